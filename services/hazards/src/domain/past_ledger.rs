//! The PastLedgerImport aggregate: the record that a bureau administrator loaded a past (paper)
//! ledger, what the file was (by its hash) and what became of its rows. The steps themselves are
//! recorded on their own aggregates, each marked as migrated.

use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::hazards::v1 as pb;
use serde::{Deserialize, Serialize};

use super::DomainError;
use super::access::require_bureau;

pub use hl_proto::hazard_events::PastLedgerImportEvent;

/// What an import found and did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportOutcome {
    pub region: String,
    pub file_sha256: String,
    pub format: pb::LedgerFileFormat,
    pub rows: i32,
    pub recorded: i32,
    pub already_recorded: i32,
    pub problems: i32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PastLedgerImport {
    pub imported: Option<pb::PastLedgerImported>,
}

impl Aggregate for PastLedgerImport {
    type Event = PastLedgerImportEvent;
    type Command = ImportOutcome;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "past_ledger_import";
    const COLLECTION: &'static str = "pastLedgerImports";

    fn expects(_command: &ImportOutcome) -> Expects {
        Expects::New
    }

    fn decide(
        &self,
        outcome: &ImportOutcome,
        context: &CommandContext,
    ) -> Result<Vec<PastLedgerImportEvent>, DomainError> {
        require_bureau(&context.actor, &outcome.region, "import a past ledger")?;
        Ok(vec![PastLedgerImportEvent::Imported(
            pb::PastLedgerImported {
                import_id: context.aggregate_id.clone(),
                file_sha256: outcome.file_sha256.clone(),
                format: outcome.format as i32,
                rows: outcome.rows,
                recorded: outcome.recorded,
                already_recorded: outcome.already_recorded,
                problems: outcome.problems,
            },
        )])
    }

    fn apply(&mut self, event: &PastLedgerImportEvent, _meta: &EventMeta) {
        let PastLedgerImportEvent::Imported(imported) = event;
        self.imported = Some(imported.clone());
    }
}
