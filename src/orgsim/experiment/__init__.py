"""The experiment machinery: seeds, executors, replications, comparisons and sweeps."""
