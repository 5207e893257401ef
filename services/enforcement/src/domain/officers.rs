//! The officers of an inspection or a case: at least two, each a registry person holding a 执法证
//! (enforcement certificate) valid on the day (执法人员不得少于两人，并应当出示执法证件). The API
//! reads their records from the registry; the check itself is pure.

use chrono::NaiveDate;
use hl_domain::reasons;
use hl_proto::responsibility::v1::Person;

use super::DomainError;

/// An officer as the registry has them: their id, and their record if the registry has one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Officer {
    pub person_id: String,
    pub record: Option<Person>,
}

/// The officers' ids, when there are at least `minimum`, none named twice, and each holds a
/// certificate valid on `day`; otherwise the first problem, naming the officer.
pub fn check_officers(
    officers: &[Officer],
    day: NaiveDate,
    minimum: usize,
) -> Result<Vec<String>, DomainError> {
    // The ids are recorded as given, and what counts an officer's inspections and cases reads
    // them: one named twice would be counted twice. Nor are two entries of one person two
    // officers toward the minimum.
    hl_domain::refuse_repeats(
        "officer_ids",
        officers.iter().map(|officer| &officer.person_id),
    )?;
    if officers.len() < minimum {
        return Err(DomainError::invalid(
            "officer_ids",
            format!(
                "at least {minimum} different officers carry out enforcement, got {}",
                officers.len()
            ),
        ));
    }
    for officer in officers {
        certificate_valid(officer, day)?;
    }
    Ok(officers
        .iter()
        .map(|officer| officer.person_id.clone())
        .collect())
}

fn certificate_valid(officer: &Officer, day: NaiveDate) -> Result<(), DomainError> {
    let id = &officer.person_id;
    let refused = |message: String| {
        Err(DomainError::precondition(
            reasons::OFFICER_CERTIFICATE_INVALID,
            message,
        ))
    };
    let Some(person) = &officer.record else {
        return refused(format!("officer {id} is not in the registry"));
    };
    if person.inactive {
        return refused(format!("officer {id} has left"));
    }
    let Some(certificate) = &person.enforcement_certificate else {
        return refused(format!(
            "officer {id} holds no enforcement certificate (执法证)"
        ));
    };
    let from = certificate.valid_from.and_then(|date| date.to_naive());
    let until = certificate.valid_until.and_then(|date| date.to_naive());
    match (from, until) {
        (Some(from), Some(until)) if from <= day && day <= until => Ok(()),
        (Some(from), Some(until)) => refused(format!(
            "the enforcement certificate {} of officer {id} is valid from {from} to {until}, not on {day}",
            certificate.number
        )),
        _ => refused(format!(
            "the enforcement certificate of officer {id} has no validity period"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tests::{day, officer};

    #[test]
    fn two_officers_with_certificates_valid_on_the_day() {
        let team = [officer("a", "2030-12-31"), officer("b", "2030-12-31")];
        assert_eq!(
            check_officers(&team, day("2026-05-01"), 2).unwrap(),
            ["a", "b"]
        );
        let alone = [officer("a", "2030-12-31"), officer("a", "2030-12-31")];
        assert_eq!(
            check_officers(&alone, day("2026-05-01"), 2)
                .unwrap_err()
                .reason(),
            "INVALID_ARGUMENT"
        );
        let repeated = [
            officer("a", "2030-12-31"),
            officer("a", "2030-12-31"),
            officer("b", "2030-12-31"),
        ];
        let refusal = check_officers(&repeated, day("2026-05-01"), 2).unwrap_err();
        let DomainError::Invalid { field, .. } = &refusal else {
            panic!("not INVALID_ARGUMENT: {refusal:?}");
        };
        assert_eq!(
            field, "officer_ids[1]",
            "the repeat is refused, not dropped"
        );
        let expired = [officer("a", "2030-12-31"), officer("b", "2026-04-30")];
        let refusal = check_officers(&expired, day("2026-05-01"), 2).unwrap_err();
        assert_eq!(refusal.reason(), "OFFICER_CERTIFICATE_INVALID");
        assert!(refusal.to_string().contains("officer b"), "{refusal}");
        let unknown = [
            officer("a", "2030-12-31"),
            Officer {
                person_id: "ghost".into(),
                record: None,
            },
        ];
        assert!(
            check_officers(&unknown, day("2026-05-01"), 2)
                .unwrap_err()
                .to_string()
                .contains("ghost")
        );
    }
}
