"""The experiment machinery: designs, seeds, executors, the run loop, sweeps, storage and statistics."""
