//! What one ledger has and the other lacks: D1 (missed by the self-check), D4 (graded apart),
//! D7 (a major hazard the enterprise did not report as major), and the pairs an officer may
//! confirm.
//!
//! A pair is formed only on the government side: by a government citation when the finding is
//! reported, or by an officer's confirmation. An enterprise citing a government finding makes a
//! proposal. A self-check entry counts as "reported before" a finding only if it was recorded
//! before the finding happened, whatever day it claims.

use std::collections::{HashMap, HashSet};

use hl_proto::hazards::v1::HazardLevel;
use hl_proto::ledger::v1::{DiscrepancyClass, Severity};

use super::{DiscrepancyRow, HazardView, Index, Snapshot, level_name};

/// Pairs in force as of the snapshot: government hazard → self-check hazard.
pub fn pairs(snapshot: &Snapshot) -> HashMap<&str, &str> {
    snapshot
        .hazards
        .iter()
        .filter(|hazard| hazard.is_government_side())
        .filter(|hazard| !hazard.lifecycle.counterpart_hazard_id.is_empty())
        .map(|hazard| {
            (
                hazard.facts.hazard_id.as_str(),
                hazard.lifecycle.counterpart_hazard_id.as_str(),
            )
        })
        .collect()
}

/// D1, D4 and D7 of one government finding.
pub(super) fn between_ledgers(
    snapshot: &Snapshot,
    index: &Index<'_>,
    hazard: &HazardView,
    rows: &mut Vec<DiscrepancyRow>,
) {
    if !hazard.is_government_side() || !snapshot.in_period(hazard.reported_day) {
        return;
    }
    let facts = &hazard.facts;
    let level = hazard.level();
    let counterpart = index.counterpart(hazard);
    if let Some(own) = counterpart {
        grade_disagreement(hazard, own, rows);
    }
    let row = |class, severity, ids: Vec<String>, detail: String| {
        DiscrepancyRow::about(hazard, class, severity, hazard.reported_day, ids, detail)
    };
    match index.reported_before(hazard) {
        None => {
            let attested_zero = attested_zero_findings(snapshot, index, hazard);
            let severity = if level == HazardLevel::Major || attested_zero {
                Severity::High
            } else {
                Severity::Medium
            };
            let mut detail = format!(
                "found by the government ({}); no self-check entry recorded before it",
                level_name(level)
            );
            if let Some(own) = counterpart {
                detail.push_str(&format!(
                    "; hazards/{} was recorded only after the finding{}",
                    own.facts.hazard_id,
                    if own.facts.reported_at <= facts.reported_at {
                        ", though dated before it (backdated)"
                    } else {
                        ""
                    }
                ));
            }
            if attested_zero {
                detail.push_str("; the enterprise attested zero findings (零隐患) for the period");
            }
            rows.push(row(
                DiscrepancyClass::MissedBySelfCheck,
                severity,
                vec![facts.hazard_id.clone()],
                detail,
            ));
            if level == HazardLevel::Major {
                rows.push(row(
                    DiscrepancyClass::UnreportedMajor,
                    Severity::High,
                    vec![facts.hazard_id.clone()],
                    "a 重大 hazard the enterprise's own ledger did not have".to_string(),
                ));
            }
        }
        Some(own) if level == HazardLevel::Major && own.level() != HazardLevel::Major => {
            let how = match own.level() {
                HazardLevel::Unspecified => "never graded",
                _ => "only as 一般",
            };
            rows.push(row(
                DiscrepancyClass::UnreportedMajor,
                Severity::High,
                vec![facts.hazard_id.clone(), own.facts.hazard_id.clone()],
                format!("a 重大 hazard the enterprise recorded {how}"),
            ));
        }
        Some(_) => {}
    }
}

/// Whether the enterprise stated zero findings (零隐患) for a period covering the finding.
fn attested_zero_findings(snapshot: &Snapshot, index: &Index<'_>, hazard: &HazardView) -> bool {
    index
        .rounds_of(&hazard.facts.enterprise_id)
        .iter()
        .any(|round| {
            round.zero_findings
                && round.submitted_by(snapshot.as_of, snapshot.known_at)
                && round.overlaps(hazard.reported_day, hazard.reported_day)
        })
}

/// D4: a pair graded apart, whichever side was recorded first.
fn grade_disagreement(government: &HazardView, own: &HazardView, rows: &mut Vec<DiscrepancyRow>) {
    let (theirs, ours) = (government.level(), own.level());
    if theirs == HazardLevel::Unspecified || ours == HazardLevel::Unspecified || theirs == ours {
        return;
    }
    let severity = if theirs == HazardLevel::Major {
        Severity::High
    } else {
        Severity::Medium
    };
    rows.push(DiscrepancyRow::about(
        government,
        DiscrepancyClass::GradeDisagreement,
        severity,
        government.reported_day,
        vec![
            government.facts.hazard_id.clone(),
            own.facts.hazard_id.clone(),
        ],
        format!(
            "graded {} by the government, {} by the enterprise",
            level_name(theirs),
            level_name(ours)
        ),
    ));
}

/// A proposed pair between the ledgers.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    pub government_hazard_id: String,
    pub self_hazard_id: String,
    pub enterprise_id: String,
    pub township_code: String,
    pub grounds: Vec<String>,
    pub score: f64,
}

/// Proposed pairs for government findings without a counterpart: the enterprise's own
/// citations, and self-check entries of the same enterprise recorded before the finding, within
/// the matching window, of the same category and at the same place or equipment. A pair an
/// officer rejected is not proposed again.
pub fn proposals(snapshot: &Snapshot) -> Vec<Proposal> {
    let index = Index::new(snapshot);
    let paired_self: HashSet<&str> = index.pairs.values().copied().collect();
    let mut proposals = Vec::new();
    for government in snapshot.hazards.iter().filter(|hazard| {
        hazard.is_government_side() && !index.pairs.contains_key(hazard.facts.hazard_id.as_str())
    }) {
        for own in index
            .hazards_of(&government.facts.enterprise_id)
            .iter()
            .filter(|hazard| !hazard.is_government_side())
        {
            let rejected = snapshot.rejected_pairs.contains(&(
                government.facts.hazard_id.clone(),
                own.facts.hazard_id.clone(),
            ));
            if rejected || paired_self.contains(own.facts.hazard_id.as_str()) {
                continue;
            }
            if let Some(proposal) = propose(government, own) {
                proposals.push(proposal);
            }
        }
    }
    proposals.sort_by(|left, right| {
        right.score.total_cmp(&left.score).then_with(|| {
            (&left.government_hazard_id, &left.self_hazard_id)
                .cmp(&(&right.government_hazard_id, &right.self_hazard_id))
        })
    });
    proposals
}

/// The grounds on which a self-check entry may be a finding's counterpart, if any.
fn propose(government: &HazardView, own: &HazardView) -> Option<Proposal> {
    let (theirs, ours) = (&government.facts, &own.facts);
    let cited = ours.cited_hazard_id == theirs.hazard_id;
    let mut grounds = Vec::new();
    let mut score: f64 = 0.0;
    if cited {
        grounds.push("cited by the enterprise when it reported".to_string());
        score += 0.5;
    }
    let window = government.rules.rules.matching_window_days * 86_400_000;
    let lead = (theirs.reported_at - ours.entered_at()).num_milliseconds();
    let same_category = ours.category == theirs.category;
    let same_location = !ours.location.is_empty()
        && !theirs.location.is_empty()
        && (ours.location.contains(&theirs.location) || theirs.location.contains(&ours.location));
    let same_equipment = !ours.equipment.is_empty() && ours.equipment == theirs.equipment;
    let alike = same_category && (same_location || same_equipment) && (0..=window).contains(&lead);
    if alike {
        grounds.push("same category".to_string());
        score += 0.3;
        if same_location {
            grounds.push(format!("same place ({})", ours.location));
            score += 0.1;
        }
        if same_equipment {
            grounds.push(format!("same equipment ({})", ours.equipment));
            score += 0.1;
        }
        grounds.push(format!(
            "self-check entry recorded {} day(s) before the government finding",
            lead / 86_400_000
        ));
    }
    if !cited && !alike {
        return None;
    }
    Some(Proposal {
        government_hazard_id: theirs.hazard_id.clone(),
        self_hazard_id: ours.hazard_id.clone(),
        enterprise_id: theirs.enterprise_id.clone(),
        township_code: government.attributes.township_code.clone(),
        grounds,
        score: score.min(1.0),
    })
}
