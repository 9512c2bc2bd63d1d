//! Engagement use cases: create (validated by the domain) and list.

use crate::contract::{EngagementList, EngagementSaved};
use crate::workspace::Workspace;
use crate::{App, AppError, Result};
use fieldproof_core::engagement::{Engagement, EngagementRequest};

impl App {
    /// Creates or updates an engagement.
    pub async fn engagement_create(&self, request: &EngagementRequest) -> Result<EngagementSaved> {
        self.allow(fieldproof_core::access::Action::ManageEngagements)?;
        let engagement = Engagement::define(request)?;
        let ws = self.open().await?;
        let meta = self.change_meta("engagement create", None, None);
        let change_set = ws.store.save_engagement(&engagement, &meta).await;
        ws.close().await;
        Ok(EngagementSaved {
            engagement,
            change_set: change_set?,
        })
    }

    /// Engagements, by id.
    pub async fn engagement_list(&self) -> Result<EngagementList> {
        let ws = self.open().await?;
        let engagements = ws.store.engagements().await;
        ws.close().await;
        Ok(EngagementList {
            engagements: engagements?,
        })
    }

    /// The engagement a use case is about, by the one rule every front end follows: the one
    /// `asked` (an unknown id is `Unknown`); else the only one; else, of those whose period
    /// contains today, the one that started last (then ends last, then the greater id). No
    /// engagement yet is `None`; several, none of them current, is
    /// [`AppError::EngagementRequired`], which each front end words its own way (a flag, a query
    /// parameter, a picker).
    pub async fn engagement_choice(&self, asked: Option<&str>) -> Result<Option<String>> {
        let ws = self.open().await?;
        let engagements = ws.store.engagements().await;
        ws.close().await;
        Ok(choose(engagements?, asked, self.today())?.map(|e| e.id))
    }

    /// The engagement a page shows, by the rule every page follows: the one `asked` (an
    /// unknown id is `Unknown`); else the one the user chose earlier in the session
    /// (`remembered`), while it exists; else [`App::engagement_choice`]'s default, and where
    /// that would ask (several engagements, none current) the latest, the one that ends last: a
    /// page always says which engagement it shows and offers the others, so it need not ask.
    pub async fn engagement_shown(
        &self,
        asked: Option<&str>,
        remembered: Option<&str>,
    ) -> Result<EngagementShown> {
        let ws = self.open().await?;
        let engagements = ws.store.engagements().await;
        ws.close().await;
        let engagements = engagements?;
        let choices: Vec<String> = engagements.iter().map(|e| e.id.clone()).collect();
        let shown = show(engagements, asked, remembered, self.today())?;
        Ok(EngagementShown { shown, choices })
    }

    /// The engagement `id`, or by the rule of [`App::engagement_choice`] when `id` is `None`.
    pub async fn engagement_in(&self, ws: &Workspace, id: Option<&str>) -> Result<Engagement> {
        choose(ws.store.engagements().await?, id, self.today())?.ok_or(AppError::NoEngagement)
    }
}

/// The engagement a page shows ([`App::engagement_shown`]) and the ones it may switch to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngagementShown {
    /// The engagement shown; `None` before the first is created.
    pub shown: Option<Engagement>,
    /// Every engagement, by id.
    pub choices: Vec<String>,
}

/// [`App::engagement_shown`] over the stored engagements.
fn show(
    engagements: Vec<Engagement>,
    asked: Option<&str>,
    remembered: Option<&str>,
    today: fieldproof_core::engagement::Date,
) -> Result<Option<Engagement>> {
    let remembered = remembered.filter(|r| engagements.iter().any(|e| e.id == *r));
    match choose(engagements.clone(), asked.or(remembered), today) {
        Err(AppError::EngagementRequired { .. }) => Ok(engagements.into_iter().max_by(|a, b| {
            (a.period.to.days(), a.period.from.days(), &a.id).cmp(&(
                b.period.to.days(),
                b.period.from.days(),
                &b.id,
            ))
        })),
        other => other,
    }
}

/// [`App::engagement_choice`] over the stored engagements.
fn choose(
    mut engagements: Vec<Engagement>,
    asked: Option<&str>,
    today: fieldproof_core::engagement::Date,
) -> Result<Option<Engagement>> {
    match asked {
        Some(id) => engagements
            .into_iter()
            .find(|e| e.id == id)
            .map(Some)
            .ok_or_else(|| AppError::unknown(crate::Thing::Engagement, id)),
        None => match engagements.len() {
            0 => Ok(None),
            1 => Ok(Some(engagements.remove(0))),
            _ => {
                // Of the engagements whose period contains today, the latest: the one that
                // started last (then ends last, then the greater id, so the choice never
                // depends on the order they are stored in).
                let latest_current = engagements
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.period.contains(today))
                    .max_by(|(_, a), (_, b)| {
                        (a.period.from.days(), a.period.to.days(), &a.id).cmp(&(
                            b.period.from.days(),
                            b.period.to.days(),
                            &b.id,
                        ))
                    })
                    .map(|(i, _)| i);
                match latest_current {
                    Some(i) => Ok(Some(engagements.swap_remove(i))),
                    None => Err(AppError::EngagementRequired {
                        choices: engagements.into_iter().map(|e| e.id).collect(),
                    }),
                }
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldproof_core::engagement::{Date, EngagementRequest};

    fn engagement(id: &str, period: &str) -> Engagement {
        Engagement::define(&EngagementRequest {
            id: id.to_string(),
            period: Some(period.to_string()),
            ..EngagementRequest::default()
        })
        .expect("valid")
    }

    #[test]
    fn one_rule_chooses_the_engagement_for_every_front_end() {
        let today = Date::parse("2026-06-30").expect("date");
        let two = || {
            vec![
                engagement("soc2-2025", "2025-01-01..2025-12-31"),
                engagement("soc2-2026", "2026-01-01..2026-12-31"),
            ]
        };
        let id = |r: Result<Option<Engagement>>| r.expect("chosen").map(|e| e.id);
        assert_eq!(id(choose(Vec::new(), None, today)), None, "none yet");
        assert_eq!(
            id(choose(two(), Some("soc2-2025"), today)).as_deref(),
            Some("soc2-2025"),
            "the one asked"
        );
        assert!(matches!(
            choose(two(), Some("soc2-2030"), today),
            Err(AppError::Unknown {
                thing: crate::Thing::Engagement,
                ..
            })
        ));
        assert_eq!(
            id(choose(two()[..1].to_vec(), None, today)).as_deref(),
            Some("soc2-2025"),
            "the only one, current or not"
        );
        assert_eq!(
            id(choose(two(), None, today)).as_deref(),
            Some("soc2-2026"),
            "the one whose period contains today"
        );
        let later = Date::parse("2027-03-01").expect("date");
        match choose(two(), None, later) {
            Err(AppError::EngagementRequired { choices }) => {
                assert_eq!(choices, ["soc2-2025", "soc2-2026"])
            }
            other => panic!("none current must be a choice: {other:?}"),
        }
        // Several current (a SOC 1 and a SOC 2 of the same year): the latest of them, whatever
        // the order they are stored in.
        let mut overlapping = two();
        overlapping.push(engagement("soc1-2026", "2026-04-01..2027-03-31"));
        assert_eq!(
            id(choose(overlapping.clone(), None, today)).as_deref(),
            Some("soc1-2026"),
            "the current one that started last"
        );
        overlapping.reverse();
        assert_eq!(
            id(choose(overlapping, None, today)).as_deref(),
            Some("soc1-2026")
        );
        // A page: what the user chose earlier stays shown while it exists; with several and
        // none current, the latest rather than a question.
        let shown = |asked, remembered, day| {
            show(two(), asked, remembered, day)
                .expect("shown")
                .map(|e| e.id)
        };
        assert_eq!(
            shown(None, Some("soc2-2025"), today).as_deref(),
            Some("soc2-2025")
        );
        assert_eq!(
            shown(Some("soc2-2026"), Some("soc2-2025"), today).as_deref(),
            Some("soc2-2026"),
            "asking beats remembering"
        );
        assert_eq!(
            shown(None, Some("deleted"), today).as_deref(),
            Some("soc2-2026"),
            "a remembered engagement that is gone falls back to the default"
        );
        assert_eq!(shown(None, None, later).as_deref(), Some("soc2-2026"));
        assert!(show(two(), Some("nope"), None, today).is_err());
        let mut same_period = two();
        same_period.push(engagement("bulk", "2026-01-01..2026-12-31"));
        assert_eq!(
            id(choose(same_period, None, today)).as_deref(),
            Some("soc2-2026"),
            "the same period: the greater id"
        );
    }
}
