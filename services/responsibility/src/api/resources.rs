//! Registry states as API resources.

use chrono::NaiveDate;
use hl_proto::responsibility::v1 as pb;
use hl_proto::timestamp;

use crate::domain::enterprise::Enterprise;

/// The enterprise with its details and status as of `day`; the history of its details only
/// when asked (single reads), since lists need no history.
pub fn enterprise(
    state: &Enterprise,
    version: u64,
    day: NaiveDate,
    with_history: bool,
) -> pb::Enterprise {
    let details = state.details_as_of(day);
    let history = if with_history {
        state
            .versions
            .iter()
            .map(|version| pb::EnterpriseDetailsVersion {
                effective_from: Some(version.effective_from.into()),
                details: Some(version.changes.clone()),
                changed_fields: version.changed_fields.clone(),
                recorded_at: Some(timestamp(version.recorded_at)),
            })
            .collect()
    } else {
        Vec::new()
    };
    pb::Enterprise {
        name: format!("enterprises/{}", state.enterprise_id),
        enterprise_id: state.enterprise_id.clone(),
        display_name: details.display_name,
        address: details.address,
        township_code: details.township_code,
        village_code: details.village_code,
        grid_cell_id: details.grid_cell_id,
        industries: details.industries,
        scale: details.scale,
        standardisation_grade: details.standardisation_grade,
        risk_colour: details.risk_colour,
        self_check_required: details.self_check_required,
        self_check_frequency: details.self_check_frequency,
        chemical_registration_code: details.chemical_registration_code,
        status: state.status_as_of(day) as i32,
        details_effective_from: state.details_effective_from(day).map(Into::into),
        history,
        registered_at: state.registered_at.map(timestamp),
        version,
    }
}
