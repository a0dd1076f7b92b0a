"""Analyses on the experiment machinery: compare, explain, claims, validate, calibrate, tornado, decide."""
