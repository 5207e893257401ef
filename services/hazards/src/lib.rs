//! The hazards context (隐患排查治理): hazards in both ledgers, self-check rounds, periodic
//! statistics, listed-supervision orders (挂牌督办) and safety alarm devices.

pub mod domain;
