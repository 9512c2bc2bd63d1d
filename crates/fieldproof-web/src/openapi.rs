//! The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`. Its schemas are
//! the CLI's JSON contracts ([`fieldproof_app::contract::schemas`]), so the API and the CLI
//! cannot drift apart.

use serde_json::{json, Map, Value};

/// One route of the API: method, path, contract of its success body, summary.
#[derive(Debug)]
pub struct Route {
    /// `get` or `post`.
    pub method: &'static str,
    /// The path, with `{org}`.
    pub path: &'static str,
    /// The contract name of the success body.
    pub contract: &'static str,
    /// The success status.
    pub status: u16,
    /// What it does.
    pub summary: &'static str,
    /// Whether it takes `?engagement=ID`.
    pub engagement: bool,
}

/// Every route of the API.
pub const ROUTES: &[Route] = &[
    Route {
        method: "get",
        path: "/api/v1/o/{org}/engagements",
        contract: "engagement-list",
        status: 200,
        summary: "The engagements of the organisation (an auditor's own only)",
        engagement: false,
    },
    Route {
        method: "get",
        path: "/api/v1/o/{org}/scope",
        contract: "scope",
        status: 200,
        summary: "The scope decision of every component, with findings",
        engagement: false,
    },
    Route {
        method: "get",
        path: "/api/v1/o/{org}/readiness",
        contract: "readiness",
        status: 200,
        summary: "The readiness of an engagement: statuses, findings, rollups, roadmap",
        engagement: true,
    },
    Route {
        method: "get",
        path: "/api/v1/o/{org}/evidence/status",
        contract: "evidence-status",
        status: 200,
        summary: "Freshness of every evidence request over the engagement's period",
        engagement: true,
    },
    Route {
        method: "post",
        path: "/api/v1/o/{org}/evidence",
        contract: "evidence-add",
        status: 201,
        summary:
            "Add evidence files (multipart: control, engagement, covers, population, note, files)",
        engagement: false,
    },
    Route {
        method: "get",
        path: "/api/v1/o/{org}/verify",
        contract: "verify",
        status: 200,
        summary: "Verify the organisation's ledger and blobs",
        engagement: false,
    },
];

/// The document.
pub fn document() -> Value {
    let contracts: Map<String, Value> = fieldproof_app::contract::schemas()
        .into_iter()
        .map(|(name, schema)| {
            let mut value = schema.to_value();
            if let Some(object) = value.as_object_mut() {
                // Its own base, so that the contract's internal references resolve inside it.
                object.insert(
                    "$id".into(),
                    json!(format!("https://fieldproof.dev/schemas/{name}.schema.json")),
                );
            }
            (name.to_string(), value)
        })
        .collect();
    let mut paths = Map::new();
    for route in ROUTES {
        let mut parameters = vec![json!({
            "name": "org", "in": "path", "required": true,
            "schema": {"type": "string"}, "description": "The organisation id"
        })];
        if route.engagement {
            parameters.push(json!({
                "name": "engagement", "in": "query", "required": false,
                "schema": {"type": "string"},
                "description": "The engagement (default: the only one; an auditor's own)"
            }));
        }
        let mut operation = json!({
            "summary": route.summary,
            "operationId": format!("{}_{}", route.method, route.contract.replace('-', "_")),
            "parameters": parameters,
            "responses": {
                route.status.to_string(): {
                    "description": "The result",
                    "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{}", route.contract)}}}
                },
                "400": {"$ref": "#/components/responses/Error"},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"}
            }
        });
        if route.method == "post" {
            operation["requestBody"] = json!({
                "required": true,
                "content": {"multipart/form-data": {"schema": {
                    "type": "object",
                    "required": ["control", "files"],
                    "properties": {
                        "control": {"type": "string", "description": "CONTROL or CONTROL/REQUEST"},
                        "engagement": {"type": "string"},
                        "covers": {"type": "string", "description": "FROM..TO"},
                        "population": {"type": "string", "description": "any value: a population of the period"},
                        "note": {"type": "string"},
                        "supersedes": {"type": "string"},
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    }
                }}}
            });
            operation["responses"]["413"] = json!({"$ref": "#/components/responses/Error"});
        }
        paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("an object")
            .insert(route.method.to_string(), operation);
    }
    let mut schemas = contracts;
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
