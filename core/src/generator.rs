//! Synthetic Samagra data: realistic families and members for any number of villages and
//! wards, deterministic from a seed. Used by the server's demo mode, tests and benchmarks.
