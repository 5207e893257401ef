//! Where an evaluation's totals come from when it is published. The computed items of the sheet
//! are read from the ledgers (the reconciliation of the period), which the read side holds; this
//! context only records the totals it is given, so that the published results, and the
//! accountability cases of the units that failed, are facts of record.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use hl_domain::reasons;
use hl_proto::ledger::v1::GetEvaluationTableRequest;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_runtime::ServiceError;
use tonic::Status;
use tonic::metadata::MetadataMap;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

/// Computes each unit's total of an evaluation.
#[tonic::async_trait]
pub trait EvaluationScorer: Send + Sync + 'static {
    /// Each unit's total, as of `at` (the moment happened and the moment known both), read once
    /// the read models hold every event recorded before the call. UNAVAILABLE while they lag.
    /// `caller` is the publishing request's metadata, whose credentials a remote ledger checks.
    async fn totals(
        &self,
        evaluation_id: &str,
        at: DateTime<Utc>,
        caller: &MetadataMap,
    ) -> Result<Vec<(String, f64)>, Status>;
}

/// A deployment with no ledger to score from: publishing is refused, saying so.
pub struct NoLedger;

#[tonic::async_trait]
impl EvaluationScorer for NoLedger {
    async fn totals(
        &self,
        _: &str,
        _: DateTime<Utc>,
        _: &MetadataMap,
    ) -> Result<Vec<(String, f64)>, Status> {
        Err(ServiceError::precondition(
            reasons::LEDGER_NOT_CONFIGURED,
            "publishing an evaluation reads its totals from the ledger; set HL_LEDGER_URL",
        )
        .into())
    }
}

/// Where a separately deployed responsibility service reads the ledger.
#[derive(Clone, Debug, clap::Args)]
pub struct LedgerArgs {
    /// The projections service (LedgerService) an evaluation's totals are read from when it is
    /// published, e.g. https://hl-projections:50051. Unset, publishing is refused.
    #[arg(long, env = "HL_LEDGER_URL")]
    pub ledger_url: Option<String>,
    /// PEM file of the CA that signed the ledger's certificate, for an https URL.
    #[arg(long, env = "HL_LEDGER_CA")]
    pub ledger_ca: Option<PathBuf>,
}

impl LedgerArgs {
    /// The scorer these settings give: the remote ledger, or none.
    pub fn scorer(&self) -> anyhow::Result<Arc<dyn EvaluationScorer>> {
        let Some(url) = &self.ledger_url else {
            return Ok(Arc::new(NoLedger));
        };
        let mut endpoint = Endpoint::from_shared(url.clone())?;
        if let Some(ca) = &self.ledger_ca {
            let pem = std::fs::read(ca)
                .map_err(|error| anyhow::anyhow!("HL_LEDGER_CA {}: {error}", ca.display()))?;
            endpoint = endpoint
                .tls_config(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem)))?;
        }
        Ok(Arc::new(RemoteLedger(LedgerServiceClient::new(
            endpoint.connect_lazy(),
        ))))
    }
}

/// The ledger of a projections service reached over gRPC, asked with the publisher's own
/// credentials: it answers only a caller who may read the district's ledger.
pub struct RemoteLedger(pub LedgerServiceClient<Channel>);

#[tonic::async_trait]
impl EvaluationScorer for RemoteLedger {
    async fn totals(
        &self,
        evaluation_id: &str,
        at: DateTime<Utc>,
        caller: &MetadataMap,
    ) -> Result<Vec<(String, f64)>, Status> {
        let mut request = tonic::Request::new(GetEvaluationTableRequest {
            name: format!("evaluations/{evaluation_id}"),
            as_of: Some(hl_proto::timestamp(at)),
            consistent: true,
        });
        if let Some(authorization) = caller.get("authorization") {
            request
                .metadata_mut()
                .insert("authorization", authorization.clone());
        }
        let table = self
            .0
            .clone()
            .get_evaluation_table(request)
            .await
            .map_err(|status| match status.code() {
                // The ledger's own refusals and lag pass through as they are.
                tonic::Code::Unavailable
                | tonic::Code::NotFound
                | tonic::Code::PermissionDenied
                | tonic::Code::Unauthenticated => status,
                _ => ServiceError::unavailable(format!(
                    "the ledger could not score evaluations/{evaluation_id}: {}",
                    status.message()
                ))
                .into(),
            })?
            .into_inner();
        Ok(table
            .rows
            .into_iter()
            .map(|row| (row.unit, row.total))
            .collect())
    }
}
