//! The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`. Its schemas are
//! the CLI's JSON contracts ([`fieldproof_app::contract::schemas`]), so the API and the CLI
//! cannot drift apart.

use serde_json::{json, Map, Value};

/// What a route takes.
#[derive(Debug, Clone, Copy)]
pub enum Input {
    /// Nothing.
    None,
    /// A JSON body of this schema.
    Json(&'static str),
    /// A multipart form: evidence files with their fields.
    EvidenceUpload,
    /// A multipart form: one estate file in the field `estate`.
    EstateUpload,
}

/// What a route answers.
#[derive(Debug, Clone, Copy)]
pub enum Output {
    /// JSON of this schema.
    Json(&'static str),
    /// A file of one of these content types.
    File(&'static [&'static str]),
}

/// One route of the API.
#[derive(Debug)]
pub struct Route {
    /// `get` or `post`.
    pub method: &'static str,
    /// The path, with `{org}` and other parameters.
    pub path: &'static str,
    /// What it takes.
    pub input: Input,
    /// What it answers.
    pub output: Output,
    /// The success status.
    pub status: u16,
    /// What it does.
    pub summary: &'static str,
    /// Whether it takes `?engagement=ID`.
    pub engagement: bool,
}

const fn route(
    method: &'static str,
    path: &'static str,
    input: Input,
    output: Output,
    status: u16,
    summary: &'static str,
    engagement: bool,
) -> Route {
    Route {
        method,
        path,
        input,
        output,
        status,
        summary,
        engagement,
    }
}

const REPORT_TYPES: &[&str] = &[
    "text/html; charset=utf-8",
    "application/pdf",
    "text/markdown; charset=utf-8",
    "text/csv; charset=utf-8",
];

/// Every route of the API.
pub const ROUTES: &[Route] = &[
    route(
        "get",
        "/api/v1/o/{org}/engagements",
        Input::None,
        Output::Json("engagement-list"),
        200,
        "The engagements of the organisation (an auditor's own only)",
        false,
    ),
    route(
        "get",
        "/api/v1/o/{org}/scope",
        Input::None,
        Output::Json("scope"),
        200,
        "The scope decision of every component, with findings",
        false,
    ),
    route(
        "post",
        "/api/v1/o/{org}/estate/preview",
        Input::EstateUpload,
        Output::Json("apply-preview"),
        200,
        "What applying an estate file would change; nothing is stored",
        false,
    ),
    route(
        "post",
        "/api/v1/o/{org}/estate",
        Input::EstateUpload,
        Output::Json("apply"),
        200,
        "Apply an estate file (one change set, by the token's user)",
        false,
    ),
    route(
        "get",
        "/api/v1/o/{org}/readiness",
        Input::None,
        Output::Json("readiness"),
        200,
        "The readiness of an engagement: statuses, findings, rollups, roadmap",
        true,
    ),
    route(
        "post",
        "/api/v1/o/{org}/statuses",
        Input::Json("status-body"),
        Output::Json("status-applied"),
        200,
        "Set one control's design status",
        false,
    ),
    route(
        "get",
        "/api/v1/o/{org}/evidence/status",
        Input::None,
        Output::Json("evidence-status"),
        200,
        "Freshness of every evidence request over the engagement's period",
        true,
    ),
    route(
        "post",
        "/api/v1/o/{org}/evidence",
        Input::EvidenceUpload,
        Output::Json("evidence-add"),
        201,
        "Add evidence files",
        false,
    ),
    route(
        "post",
        "/api/v1/o/{org}/evidence/{id}/retire",
        Input::Json("retire-body"),
        Output::Json("evidence-retire"),
        200,
        "Retire a piece of evidence",
        false,
    ),
    route(
        "get",
        "/api/v1/o/{org}/ledger",
        Input::None,
        Output::Json("evidence-log"),
        200,
        "Every ledger entry",
        false,
    ),
    route(
        "get",
        "/api/v1/o/{org}/verify",
        Input::None,
        Output::Json("verify"),
        200,
        "Verify the organisation's ledger and blobs",
        false,
    ),
    route(
        "get",
        "/api/v1/o/{org}/requests",
        Input::None,
        Output::Json("request-list"),
        200,
        "The evidence requests with the auditor's status and comments",
        true,
    ),
    route(
        "post",
        "/api/v1/o/{org}/requests/{control}/{request}",
        Input::Json("request-body"),
        Output::Json("request-view"),
        200,
        "Comment on a request, or (the auditor) set its status",
        true,
    ),
    route(
        "get",
        "/api/v1/o/{org}/reports/{file}",
        Input::None,
        Output::File(REPORT_TYPES),
        200,
        "A report: KIND.FORMAT, e.g. readiness.pdf, controls.csv",
        true,
    ),
    route(
        "get",
        "/api/v1/o/{org}/pack",
        Input::None,
        Output::File(&["application/zip"]),
        200,
        "The signed evidence pack of an engagement, with the readiness PDF",
        true,
    ),
    route(
        "get",
        "/api/v1/catalog/{id}",
        Input::None,
        Output::Json("catalog-show"),
        200,
        "A framework, requirement or control of the catalog",
        false,
    ),
    route(
        "get",
        "/api/v1/catalog/map",
        Input::None,
        Output::Json("map"),
        200,
        "What satisfies a requirement in another framework (?requirement=&to=)",
        false,
    ),
];

fn web_schemas() -> Vec<(&'static str, Value)> {
    fn schema_for<T: schemars::JsonSchema>() -> Value {
        schemars::generate::SchemaSettings::draft2020_12()
            .into_generator()
            .into_root_schema_for::<T>()
            .to_value()
    }
    vec![
        (
            "status-body",
            schema_for::<fieldproof_app::readiness::StatusSetRequest>(),
        ),
        ("request-list", schema_for::<crate::api::RequestList>()),
        ("request-view", schema_for::<crate::api::RequestView>()),
        ("request-body", schema_for::<crate::api::RequestBody>()),
        ("retire-body", schema_for::<crate::api::RetireBody>()),
    ]
}

fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|part| part.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
        .map(|name| {
            json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
        })
        .collect()
}

/// The document.
pub fn document() -> Value {
    let mut schemas: Map<String, Value> = fieldproof_app::contract::schemas()
        .into_iter()
        .map(|(name, schema)| (name, schema.to_value()))
        .chain(web_schemas())
        .map(|(name, mut value)| {
            if let Some(object) = value.as_object_mut() {
                // Its own base, so that the schema's internal references resolve inside it.
                object.insert(
                    "$id".into(),
                    json!(format!("https://fieldproof.dev/schemas/{name}.schema.json")),
                );
            }
            (name.to_string(), value)
        })
        .collect();
    schemas.insert(
        "error".into(),
        json!({
            "type": "object",
            "required": ["error", "status", "message"],
            "properties": {
                "error": {"type": "string"},
                "status": {"type": "integer"},
                "message": {"type": "string", "description": "What failed and what to do"}
            }
        }),
    );
    let mut paths = Map::new();
    for r in ROUTES {
        let mut parameters = path_parameters(r.path);
        if r.engagement {
            parameters.push(json!({
                "name": "engagement", "in": "query", "required": false,
                "schema": {"type": "string"},
                "description": "The engagement (default: the only one; an auditor's own)"
            }));
        }
        let content = match r.output {
            Output::Json(name) => {
                json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}})
            }
            Output::File(types) => Value::Object(
                types
                    .iter()
                    .map(|t| {
                        (
                            t.to_string(),
                            json!({"schema": {"type": "string", "format": "binary"}}),
                        )
                    })
                    .collect(),
            ),
        };
        let mut operation = json!({
            "summary": r.summary,
            "operationId": format!("{}_{}", r.method, r.path.trim_start_matches("/api/v1/").replace(['/', '{', '}', '.'], "_")),
            "parameters": parameters,
            "responses": {
                r.status.to_string(): {"description": "The result", "content": content},
                "400": {"$ref": "#/components/responses/Error"},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"}
            }
        });
        let body = match r.input {
            Input::None => None,
            Input::Json(name) => Some(
                json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}),
            ),
            Input::EvidenceUpload => Some(json!({"multipart/form-data": {"schema": {
                "type": "object",
                "required": ["control", "files"],
                "properties": {
                    "control": {"type": "string", "description": "CONTROL or CONTROL/REQUEST"},
                    "engagement": {"type": "string"},
                    "covers": {"type": "string", "description": "FROM..TO"},
                    "population": {"type": "string", "description": "any value: a population of the period"},
                    "note": {"type": "string"},
                    "supersedes": {"type": "string", "description": "owner or editor only"},
                    "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                }
            }}})),
            Input::EstateUpload => Some(json!({"multipart/form-data": {"schema": {
                "type": "object",
                "required": ["estate"],
                "properties": {
                    "estate": {"type": "string", "format": "binary", "description": "an estate file (YAML) or CSV inventory; an uploaded estate file cannot name inventory files"},
                    "mapping": {"type": "string", "format": "binary", "description": "a mapping file (TOML, docs/inventory-mappings.md) for a CSV inventory in another tool's columns"},
                    "map": {"type": "string", "enum": bundled_mappings(), "description": "or the name of a bundled mapping"},
                    "unmapped": {"type": "string", "enum": ["error", "report"], "default": "error", "description": "values the mapping does not translate: stop, or leave those rows out and report them"}
                }
            }}})),
        };
        if let Some(content) = body {
            operation["requestBody"] = json!({"required": true, "content": content});
            operation["responses"]["413"] = json!({"$ref": "#/components/responses/Error"});
        }
        paths
            .entry(r.path.to_string())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("an object")
            .insert(r.method.to_string(), operation);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "fieldproof API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The REST API of a fieldproof server. Bodies are the CLI's JSON contracts (docs/schemas)."
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {"Error": {
                "description": "What failed and what to do",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/error"}}}
            }},
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer", "description": "fieldproof token create"}}
        },
        "security": [{"token": []}]
    })
}

/// The bundled mappings' names, for the `map` field of an estate upload.
fn bundled_mappings() -> Vec<&'static str> {
    fieldproof_app::bundled_mappings()
}
