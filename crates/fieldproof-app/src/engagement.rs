//! Engagement use cases: create (validated by the domain) and list.

use crate::contract::{EngagementList, EngagementSaved};
use crate::workspace::Workspace;
use crate::{App, AppError, Result};
use fieldproof_core::engagement::{Engagement, EngagementRequest};

impl App {
    /// Creates or updates an engagement.
    pub async fn engagement_create(&self, request: &EngagementRequest) -> Result<EngagementSaved> {
        let engagement = Engagement::define(request)
            .map_err(|e| AppError::Input(format!("--{}: {}", e.field, e.message)))?;
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

    /// The engagement `id`, or the only one when `id` is `None`.
    pub async fn engagement_in(&self, ws: &Workspace, id: Option<&str>) -> Result<Engagement> {
        let mut engagements = ws.store.engagements().await?;
        match id {
            Some(id) => engagements.into_iter().find(|e| e.id == id).ok_or_else(|| {
                AppError::NotFound(format!(
                    "no engagement '{id}'; `fieldproof engagement list` shows them"
                ))
            }),
            None => match engagements.len() {
                0 => Err(AppError::NotFound(
                    "no engagement yet; create one with `fieldproof engagement create`".to_string(),
                )),
                1 => Ok(engagements.remove(0)),
                _ => Err(AppError::Input(format!(
                    "there are {} engagements ({}); choose one with --engagement",
                    engagements.len(),
                    engagements
                        .iter()
                        .map(|e| e.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
            },
        }
    }
}
