//! The enterprise directory: the Enterprise aggregate of the registry (DOMAIN.md §0), the
//! registry's simpler records (areas, grid cells, organisation units, people), and read access
//! to them. Every context that keeps records about enterprises asks it what the registry
//! says of an enterprise on a day (its standing: township, industries, grid cell, status), and
//! depends on this library, never on the responsibility service.

pub mod enterprise;
pub mod read_models;
pub mod records;

use chrono::NaiveDate;
use hl_domain::DomainError;
use hl_domain::reasons;
use hl_eventstore::{EventStore, Repository, RepositorySettings, StoreError};
use hl_proto::responsibility::v1::{EnterpriseDetails, EnterpriseStatus};

pub use enterprise::{Enterprise, EnterpriseCommand, EnterpriseEvent};

/// The stream enterprises are recorded on: the responsibility context's.
pub const CONTEXT: &str = "responsibility";

/// What the registry says of an enterprise on one day.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Standing {
    pub enterprise_id: String,
    /// Registered at all (on any day).
    pub known: bool,
    /// Its status that day; Unspecified before its registration took effect.
    pub status: EnterpriseStatus,
    /// Its details that day: township, village, grid cell, industries, risk colour …
    pub details: EnterpriseDetails,
}

impl Standing {
    /// An enterprise the registry does not have.
    pub fn unknown(enterprise_id: &str) -> Standing {
        Standing {
            enterprise_id: enterprise_id.to_string(),
            ..Standing::default()
        }
    }

    /// A registered enterprise with its details, for tests and tools.
    pub fn registered(enterprise_id: &str, details: EnterpriseDetails) -> Standing {
        Standing {
            enterprise_id: enterprise_id.to_string(),
            known: true,
            status: EnterpriseStatus::Active,
            details,
        }
    }

    pub fn township_code(&self) -> &str {
        &self.details.township_code
    }

    /// New records are kept only for registered enterprises that are not closed; records
    /// already started go on.
    pub fn require_open(&self) -> Result<(), DomainError> {
        let name = format!("enterprises/{}", self.enterprise_id);
        if !self.known {
            return Err(DomainError::precondition(
                reasons::ENTERPRISE_UNKNOWN,
                format!("{name} is not in the registry; register it first"),
            ));
        }
        if self.status == EnterpriseStatus::Closed {
            return Err(DomainError::precondition(
                reasons::ENTERPRISE_CLOSED,
                format!("{name} is closed; no new records are kept for it"),
            ));
        }
        Ok(())
    }
}

impl Enterprise {
    /// The enterprise's standing on a day.
    pub fn standing(&self, day: NaiveDate) -> Standing {
        if !self.exists() {
            return Standing::unknown(&self.enterprise_id);
        }
        Standing {
            enterprise_id: self.enterprise_id.clone(),
            known: true,
            status: self.status_as_of(day),
            details: self.details_as_of(day),
        }
    }
}

/// Reads enterprises from the responsibility stream, for any context.
pub struct Directory {
    enterprises: Repository<Enterprise>,
    persons: Repository<records::Person>,
}

impl Directory {
    pub fn new(store: EventStore, region: &str, settings: RepositorySettings) -> Directory {
        Directory {
            enterprises: Repository::new(store.clone(), region, settings.clone()),
            persons: Repository::new(store, region, settings),
        }
    }

    /// A person of the registry (officers with their 执法证), if registered.
    pub async fn person(
        &self,
        person_id: &str,
    ) -> Result<Option<hl_proto::responsibility::v1::Person>, StoreError> {
        Ok(self.persons.load(person_id).await?.state.record)
    }

    /// What the registry says of an enterprise on a day.
    pub async fn standing(
        &self,
        enterprise_id: &str,
        day: NaiveDate,
    ) -> Result<Standing, StoreError> {
        let loaded = self.enterprises.load(enterprise_id).await?;
        if !loaded.exists() {
            return Ok(Standing::unknown(enterprise_id));
        }
        Ok(loaded.state.standing(day))
    }

    /// The enterprises' repository, for the registry service that changes them.
    pub fn repository(&self) -> &Repository<Enterprise> {
        &self.enterprises
    }
}
