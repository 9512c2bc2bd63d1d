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
    /// A multipart form: a supplier's report in the field `report`.
    ReportUpload,
}

/// What a route answers.
#[derive(Debug, Clone, Copy)]
pub enum Output {
    /// JSON of this schema.
    Json(&'static str),
    /// A file of one of these content types.
    File(&'static [&'static str]),
    /// A report file, in the content type of its format.
    Report,
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
        "/api/v1/o/{org}/suppliers",
        Input::None,
        Output::Json("supplier-list"),
        200,
        "The supplier register: every supplier, its latest review, the next review due, its CUECs by answer, and the register's findings",
        false,
    ),
    route(
        "post",
        "/api/v1/o/{org}/suppliers",
        Input::Json("supplier-body"),
        Output::Json("supplier"),
        200,
        "Add a supplier, or change the fields given (owners and editors)",
        false,
    ),
    route(
        "get",
        "/api/v1/o/{org}/suppliers/{supplier}",
        Input::None,
        Output::Json("supplier-show"),
        200,
        "One supplier: its reviews, the latest report's findings and CUECs with suggested controls",
        false,
    ),
    route(
        "get",
        "/api/v1/o/{org}/suppliers/{supplier}/controls",
        Input::None,
        Output::Json("supplier-controls"),
        200,
        "Which NIST SP 800-53 controls (or, with ?baseline=FRAMEWORK, which controls of an imported NIST baseline) the supplier implements, shares through a CUEC, or leaves to you, with the mapping path of each",
        false,
    ),
    route(
        "get",
        "/api/v1/o/{org}/suppliers/{supplier}/reviews/{review}",
        Input::None,
        Output::Json("review"),
        200,
        "One recorded review of the supplier (its number in the supplier's history): every fact with its page, and the findings",
        false,
    ),
    route(
        "post",
        "/api/v1/o/{org}/suppliers/{supplier}/reviews",
        Input::ReportUpload,
        Output::Json("review"),
        201,
        "Review a report (PDF or text) and record it for the supplier: the file and the result become FP-VM-01 evidence",
        false,
    ),
    route(
        "post",
        "/api/v1/o/{org}/suppliers/{supplier}/cuecs/{cuec}",
        Input::Json("cuec-body"),
        Output::Json("cuec-answer"),
        200,
        "Answer one CUEC of the supplier's latest report (or of `review`)",
        false,
    ),
    route(
        "get",
        "/api/v1/o/{org}/cuecs",
        Input::None,
        Output::Json("cuec-list"),
        200,
        "The CUECs of every supplier's latest report, with answers and suggested controls",
        false,
    ),
    route(
        "get",
        "/api/v1/o/{org}/cuecs/own",
        Input::None,
        Output::Json("cuec-own"),
        200,
        "Your own CUECs: the customer duties of the workspace estate's responsibility matrix, with the controls that rely on each",
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
        Output::Report,
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
        ("supplier-body", schema_for::<crate::api::SupplierBody>()),
        ("cuec-body", schema_for::<crate::api::CuecBody>()),
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
    let mut schemas = hoist(
        fieldproof_app::contract::schemas()
            .into_iter()
            .map(|(name, schema)| (name.to_string(), schema.to_value()))
            .chain(
                web_schemas()
                    .into_iter()
                    .map(|(name, value)| (name.to_string(), value)),
            )
            .collect(),
    );
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
            Output::File(types) => files(types.iter().copied()),
            Output::Report => files(
                fieldproof_app::reports::ReportFormat::ALL
                    .iter()
                    .map(|f| f.content_type()),
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
                    "request": {"type": "string", "description": "the control's evidence request (instead of CONTROL/REQUEST)"},
                    "engagement": {"type": "string"},
                    "covers": {"type": "string", "description": "FROM..TO"},
                    "from": {"type": "string", "format": "date", "description": "the first day covered (with to, instead of covers)"},
                    "to": {"type": "string", "format": "date", "description": "the last day covered (with from)"},
                    "population": {"type": "string", "description": "any value: a population of the period"},
                    "note": {"type": "string"},
                    "supersedes": {"type": "string", "description": "owner or editor only"},
                    "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                }
            }}})),
            Input::ReportUpload => Some(json!({"multipart/form-data": {"schema": {
                "type": "object",
                "required": ["report"],
                "properties": {
                    "report": {"type": "string", "format": "binary", "description": "the report: a PDF, or its text with pages separated by form feeds"},
                    "as-of": {"type": "string", "format": "date", "description": "the day to judge freshness on (default today)"},
                    "bridge-letter": {"type": "string", "format": "date", "description": "a bridge letter's date"}
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

/// The contract schemas as OpenAPI components. Each contract is a standalone JSON Schema with
/// its own `$id` and `$defs`, whose `#/$defs/NAME` references resolve inside that file only;
/// OpenAPI tools resolve a reference from the document's root. So every definition moves to
/// `components/schemas` and every reference points there. A definition two contracts share
/// (same name, same content) becomes one component; where two contracts give the same name to
/// different definitions, the later one is named `CONTRACT.NAME`.
fn hoist(contracts: Vec<(String, Value)>) -> Map<String, Value> {
    let mut components: Map<String, Value> = Map::new();
    let roots: std::collections::BTreeSet<String> =
        contracts.iter().map(|(name, _)| name.clone()).collect();
    for (name, mut schema) in contracts {
        let mut definitions = Map::new();
        if let Some(object) = schema.as_object_mut() {
            object.remove("$schema");
            object.remove("$id");
            if let Some(Value::Object(defs)) = object.remove("$defs") {
                definitions = defs;
            }
        }
        // Which component each definition becomes: its own name unless a different
        // definition (or a contract) already has it. Renaming one definition changes the
        // content of those that refer to it, so settle the names before comparing again.
        let mut names: std::collections::BTreeMap<String, String> = definitions
            .keys()
            .map(|def| {
                let taken = roots.contains(def);
                let component = if taken {
                    format!("{name}.{def}")
                } else {
                    def.clone()
                };
                (def.clone(), component)
            })
            .collect();
        loop {
            let mut renamed = false;
            for (def, value) in &definitions {
                let component = &names[def];
                if let Some(existing) = components.get(component) {
                    if *existing != with_references(value.clone(), &name, &names) {
                        names.insert(def.clone(), format!("{name}.{def}"));
                        renamed = true;
                    }
                }
            }
            if !renamed {
                break;
            }
        }
        for (def, value) in definitions {
            let value = with_references(value, &name, &names);
            components.entry(names[&def].clone()).or_insert(value);
        }
        components.insert(name.clone(), with_references(schema, &name, &names));
    }
    components
}

/// The schema with every `#/$defs/NAME` reference pointing at its component, and `#` (the
/// contract itself) at the contract's component.
fn with_references(
    mut value: Value,
    contract: &str,
    names: &std::collections::BTreeMap<String, String>,
) -> Value {
    fn walk(value: &mut Value, contract: &str, names: &std::collections::BTreeMap<String, String>) {
        match value {
            Value::Object(object) => {
                for (key, inner) in object.iter_mut() {
                    if key == "$ref" {
                        if let Value::String(reference) = inner {
                            let target = match reference.strip_prefix("#/$defs/") {
                                Some(def) => names.get(def).map(String::as_str),
                                None if reference == "#" => Some(contract),
                                None => None,
                            };
                            if let Some(target) = target {
                                *reference = format!("#/components/schemas/{target}");
                            }
                        }
                    } else {
                        walk(inner, contract, names);
                    }
                }
            }
            Value::Array(items) => items
                .iter_mut()
                .for_each(|item| walk(item, contract, names)),
            _ => {}
        }
    }
    walk(&mut value, contract, names);
    value
}

/// The content of a file response in any of `types`.
fn files<'a>(types: impl Iterator<Item = &'a str>) -> Value {
    Value::Object(
        types
            .map(|t| {
                (
                    t.to_string(),
                    json!({"schema": {"type": "string", "format": "binary"}}),
                )
            })
            .collect(),
    )
}

/// The bundled mappings' names, for the `map` field of an estate upload.
fn bundled_mappings() -> Vec<&'static str> {
    fieldproof_app::bundled_mappings()
}
