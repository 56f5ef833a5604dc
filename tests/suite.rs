//! The integration tests, one binary: each module is the specification of one area.
//! One binary links once and keeps the build small (44 binaries took 3 GB of disk).

mod common;

mod accept_or_reject;
mod cli;
mod concurrency;
mod contract;
mod convention_edges;
mod derive_kinds;
mod derive_resources;
mod derive_rules;
mod discovery;
mod events;
mod formats;
mod gate;
mod hostile;
mod hostile_pages;
mod layering;
mod metadata;
mod mock;
mod mock_kinds;
mod mutation;
mod object_state;
mod openapi;
mod oracle_invalid;
mod ordering;
mod paging;
mod parser_props;
mod partition;
mod paths;
mod plan;
mod real_pages;
mod record;
mod replay;
mod report_dir;
mod reports;
mod resource_pages;
mod run_cli;
mod run_targets;
mod secrets;
mod shared_collection;
mod suite_cases;
mod suite_inputs;
mod target;
mod transport_faithful;
mod trust_cli;
