//! Uploaded files: receiving a multipart upload into a directory of its own, and an estate upload with its mapping.

use super::*;

/// A multipart upload: its text fields, and its files streamed into a directory of their own
/// (removed when the upload is dropped).
#[derive(Debug)]
pub(crate) struct Upload {
    pub(crate) fields: BTreeMap<String, String>,
    pub(crate) dir: std::path::PathBuf,
    pub(crate) files: Vec<std::path::PathBuf>,
    /// The form field each of `files` came in.
    pub(crate) file_fields: Vec<String>,
}

impl Upload {
    /// The file sent in form field `field`.
    pub(crate) fn file(&self, field: &str) -> Option<&std::path::PathBuf> {
        self.file_fields
            .iter()
            .position(|f| f == field)
            .map(|i| &self.files[i])
    }
}

/// An estate upload: the estate file (YAML) or CSV inventory, and how to read it: a mapping
/// uploaded beside it (field `mapping`) or named from the bundled ones (field `map`), and the
/// unmapped-values policy (field `unmapped`: `error` or `report`). Shared by the page and the API.
pub(crate) struct EstateUpload {
    pub(crate) estate: std::path::PathBuf,
    pub(crate) mapping: Option<std::path::PathBuf>,
    pub(crate) bundled: Option<String>,
    pub(crate) unmapped: fieldproof_app::Unmapped,
}

impl EstateUpload {
    pub(crate) fn from_upload(upload: &Upload) -> Result<Self, WebError> {
        let mapping = upload.file("mapping").cloned();
        let others: Vec<&std::path::PathBuf> = upload
            .files
            .iter()
            .zip(&upload.file_fields)
            .filter(|(_, field)| *field != "mapping")
            .map(|(file, _)| file)
            .collect();
        let estate = match (upload.file("estate"), others.as_slice()) {
            (Some(file), _) => file.clone(),
            (None, [only]) => (*only).clone(),
            _ => {
                return Err(WebError::bad_request(
                    "Send one estate file (YAML) or CSV inventory as the field `estate`, and optionally its mapping (TOML) as the field `mapping`.",
                ))
            }
        };
        if others.len() > 1 {
            return Err(WebError::bad_request(
                "Send one estate file (YAML) or CSV inventory at a time.",
            ));
        }
        let bundled = upload
            .fields
            .get("map")
            .map(|m| m.trim())
            .filter(|m| !m.is_empty())
            .map(str::to_string);
        let unmapped = match upload.fields.get("unmapped").map(|u| u.trim()) {
            None | Some("") => fieldproof_app::Unmapped::default(),
            Some(text) => fieldproof_app::Unmapped::parse(text).ok_or_else(|| {
                WebError::bad_request(format!(
                    "unmapped must be `error` or `report`, not '{text}'."
                ))
            })?,
        };
        // A bundled mapping that does not exist, one named beside an uploaded mapping, and a
        // mapping with an estate file (YAML) are refused by the loader, as on the CLI.
        Ok(EstateUpload {
            estate,
            mapping,
            bundled,
            unmapped,
        })
    }

    /// How the application reads it: on its own, never reaching other files on the server.
    pub(crate) fn options(&self) -> fieldproof_app::LoadOptions {
        fieldproof_app::LoadOptions {
            map: self.mapping.clone(),
            bundled: self.bundled.clone(),
            unmapped: self.unmapped,
            standalone: true,
        }
    }

    /// `text` with the server's upload directories left out, so that messages and results
    /// name the files as the user sent them (`plant.toml:3:1`, not a path on the server).
    pub(crate) fn tidy(&self, text: &str) -> String {
        without_upload_dirs(text, std::iter::once(&self.estate).chain(&self.mapping))
    }

    /// An application error, its message tidied.
    pub(crate) fn error(&self, e: fieldproof_app::AppError) -> WebError {
        upload_error(e, |m| self.tidy(m))
    }

    /// The inventories' reports, their file names tidied.
    pub(crate) fn tidy_inventories(
        &self,
        inventories: &mut [fieldproof_app::contract::InventoryReport],
    ) {
        for inventory in inventories {
            inventory.file = self.tidy(&inventory.file);
            inventory.mapping = inventory.mapping.as_deref().map(|m| self.tidy(m));
        }
    }

    /// Keeps the upload under `dir` for the apply step after a preview.
    pub(crate) fn stage(&self, dir: &std::path::Path) -> std::io::Result<()> {
        let copy = |file: &std::path::Path, sub: &str| -> std::io::Result<()> {
            let to = dir.join(sub);
            std::fs::create_dir_all(&to)?;
            std::fs::copy(
                file,
                to.join(
                    file.file_name()
                        .unwrap_or_else(|| std::ffi::OsStr::new(sub)),
                ),
            )
            .map(|_| ())
        };
        copy(&self.estate, "estate")?;
        if let Some(mapping) = &self.mapping {
            copy(mapping, "mapping")?;
        }
        let options = serde_json::json!({
            "map": self.bundled,
            "unmapped": match self.unmapped {
                fieldproof_app::Unmapped::Error => "error",
                fieldproof_app::Unmapped::Report => "report",
            },
        });
        std::fs::write(dir.join("options.json"), options.to_string())
    }

    /// An upload kept by [`EstateUpload::stage`].
    pub(crate) fn staged(dir: &std::path::Path) -> Option<Self> {
        let only_file = |sub: &str| {
            std::fs::read_dir(dir.join(sub))
                .ok()?
                .flatten()
                .map(|e| e.path())
                .find(|p| p.is_file())
        };
        let options: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("options.json")).ok()?).ok()?;
        Some(EstateUpload {
            estate: only_file("estate")?,
            mapping: only_file("mapping"),
            bundled: options["map"].as_str().map(str::to_string),
            unmapped: options["unmapped"]
                .as_str()
                .and_then(fieldproof_app::Unmapped::parse)
                .unwrap_or_default(),
        })
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) async fn receive(
    server: &Server,
    org: &str,
    mut multipart: Multipart,
) -> Result<Upload, WebError> {
    let limits = &server.config.limits;
    let dir = server
        .org_dir(org)
        .join("uploads")
        .join(crate::accounts::secret());
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| WebError::internal(&e))?;
    let mut upload = Upload {
        fields: BTreeMap::new(),
        dir,
        files: Vec::new(),
        file_fields: Vec::new(),
    };
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        let status = e.status();
        WebError::new(
            status,
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!(
                    "The upload is larger than the server accepts: {} MiB per request.",
                    server.config.max_upload_bytes / (1024 * 1024)
                )
            } else {
                "The upload could not be read: the multipart body is malformed or cut short. Send it again.".to_string()
            },
        )
    };
    let mut parts = 0usize;
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        parts += 1;
        if parts > limits.max_parts {
            return Err(WebError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "An upload has at most {} parts (files and fields); send the files in several uploads.",
                    limits.max_parts
                ),
            ));
        }
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(safe_upload_name) {
            Some(file_name) => {
                // Each file in a directory of its own: two uploads may share a name.
                let sub = upload.dir.join(upload.files.len().to_string());
                tokio::fs::create_dir_all(&sub)
                    .await
                    .map_err(|e| WebError::internal(&e))?;
                let path = sub.join(&file_name);
                let mut out = tokio::fs::File::create(&path)
                    .await
                    .map_err(|e| WebError::internal(&e))?;
                let mut bytes = 0u64;
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    bytes += chunk.len() as u64;
                    out.write_all(&chunk)
                        .await
                        .map_err(|e| WebError::internal(&e))?;
                }
                out.flush().await.map_err(|e| WebError::internal(&e))?;
                // A file input left empty sends a nameless, empty part.
                if bytes > 0 || !file_name.is_empty() && file_name != "upload" {
                    upload.files.push(path);
                    upload.file_fields.push(name);
                }
            }
            None => {
                let mut value = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    if value.len() + chunk.len() > limits.max_field_bytes {
                        return Err(WebError::new(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            format!(
                                "The field {name} is longer than {} KiB.",
                                limits.max_field_bytes / 1024
                            ),
                        ));
                    }
                    value.extend_from_slice(&chunk);
                }
                let value = String::from_utf8(value).map_err(|_| {
                    WebError::bad_request(format!("The field {name} is not UTF-8 text."))
                })?;
                upload.fields.insert(name, value);
            }
        }
    }
    Ok(upload)
}

/// `text` with the directories the server keeps `files` in left out: each file is named as it
/// was sent.
pub(crate) fn without_upload_dirs<'a>(
    text: &str,
    files: impl IntoIterator<Item = &'a std::path::PathBuf>,
) -> String {
    let mut text = text.to_string();
    for file in files {
        if let Some(dir) = file.parent() {
            text = text.replace(&format!("{}/", dir.display()), "");
        }
    }
    text
}

/// An application error about uploaded files, its message tidied by `tidy`.
pub(crate) fn upload_error(e: fieldproof_app::AppError, tidy: impl Fn(&str) -> String) -> WebError {
    let mut error = WebError::from(e);
    error.message = tidy(&error.message);
    error
}

impl Upload {
    /// An application error, its message naming the files as they were sent.
    pub(crate) fn error(&self, e: fieldproof_app::AppError) -> WebError {
        upload_error(e, |m| without_upload_dirs(m, &self.files))
    }
}
