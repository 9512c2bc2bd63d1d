//! Framework catalogs, the OT control library and typed cross-framework mappings.
//!
//! The catalog is data (`data/`): framework files with IDs and our own titles, the public-domain
//! NIST SP 800-53 OSCAL catalog, the control library, and requirement-to-requirement crosswalks
//! (NIST OLIR). It is validated at load — no dangling reference, every control mapped to a TSC
//! criterion, every criterion covered — so the rest of fieldproof can trust it. Frameworks
//! imported from OSCAL join the bundled ones.

pub mod applicability;
pub mod graph;
pub mod load;
pub mod model;
pub mod oscal;
pub mod views;

pub use load::CatalogError;
use model::{Control, Crosswalk, Framework, Requirement, Theme};

/// The pseudo-framework id under which the control library's controls are addressed.
pub const LIBRARY: &str = "fieldproof";

/// The validated catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Frameworks: bundled files, NIST, then imported ones.
    pub frameworks: Vec<Framework>,
    /// Control library themes.
    pub themes: Vec<Theme>,
    /// The control library.
    pub controls: Vec<Control>,
    /// Requirement-to-requirement crosswalks.
    pub crosswalks: Vec<Crosswalk>,
}

/// A resolved reference: a control of the library or a requirement of a framework.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    /// A control of the library.
    Control(String),
    /// `framework`, `requirement`.
    Requirement(String, String),
}

impl Node {
    /// `fieldproof:FP-AC-01` or `tsc2017:CC6.1`.
    pub fn qualified(&self) -> String {
        match self {
            Node::Control(id) => format!("{LIBRARY}:{id}"),
            Node::Requirement(f, r) => format!("{f}:{r}"),
        }
    }

    /// The framework id (`fieldproof` for controls).
    pub fn framework(&self) -> &str {
        match self {
            Node::Control(_) => LIBRARY,
            Node::Requirement(f, _) => f,
        }
    }
}

impl Catalog {
    /// The bundled catalog.
    pub fn bundled() -> Result<Self, CatalogError> {
        Self::bundled_with(Vec::new())
    }

    /// The bundled catalog plus imported frameworks.
    pub fn bundled_with(imported: Vec<Framework>) -> Result<Self, CatalogError> {
        let mut extra = vec![load::nist(&load::NIST)?];
        extra.extend(imported);
        load::load(
            load::FRAMEWORKS,
            extra,
            &load::THEMES,
            load::CONTROLS,
            load::CROSSWALKS,
        )
    }

    /// A framework by id or alias (case-insensitive).
    pub fn framework(&self, name: &str) -> Option<&Framework> {
        self.frameworks.iter().find(|f| f.is_named(name))
    }

    /// A crosswalk by id (case-insensitive).
    pub fn crosswalk(&self, id: &str) -> Option<&Crosswalk> {
        self.crosswalks
            .iter()
            .find(|c| c.header.id.eq_ignore_ascii_case(id))
    }

    /// The designed crosswalk between two frameworks, in either direction.
    pub fn designed_crosswalk(&self, a: &str, b: &str) -> Option<&Crosswalk> {
        self.crosswalks.iter().find(|c| {
            c.header.designed
                && ((c.header.source == a && c.header.target == b)
                    || (c.header.source == b && c.header.target == a))
        })
    }

    /// A control by id (case-insensitive).
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id.eq_ignore_ascii_case(id))
    }

    /// The requirement behind a node, if it is one.
    pub fn requirement(&self, node: &Node) -> Option<(&Framework, &Requirement)> {
        match node {
            Node::Requirement(f, r) => {
                let framework = self.framework(f)?;
                Some((framework, framework.requirement(r)?))
            }
            Node::Control(_) => None,
        }
    }

    /// Title of a node.
    pub fn title(&self, node: &Node) -> String {
        match node {
            Node::Control(id) => self
                .control(id)
                .map(|c| c.title.clone())
                .unwrap_or_default(),
            Node::Requirement(..) => self
                .requirement(node)
                .map(|(_, r)| r.title.clone())
                .unwrap_or_default(),
        }
    }

    /// Resolves `FP-AC-01`, `tsc:CC6.1`, `nist:AC-2(1)` or a bare requirement id that only one
    /// framework has (`CC6.1`, `SR 1.1`).
    pub fn resolve(&self, reference: &str) -> Result<Node, String> {
        let reference = reference.trim();
        if let Some(control) = self.control(reference) {
            return Ok(Node::Control(control.id.clone()));
        }
        if let Some((framework, id)) = reference.split_once(':') {
            if framework.eq_ignore_ascii_case(LIBRARY) {
                return self
                    .control(id)
                    .map(|c| Node::Control(c.id.clone()))
                    .ok_or_else(|| format!("no control '{id}' in the control library"));
            }
            let f = self.framework(framework).ok_or_else(|| {
                format!("unknown framework '{framework}'; `fieldproof catalog list` shows the frameworks and their names")
            })?;
            return f
                .requirement(id)
                .map(|r| Node::Requirement(f.id.clone(), r.id.clone()))
                .ok_or_else(|| format!("'{id}' is not a requirement of {} ({})", f.id, f.name));
        }
        let matches: Vec<Node> = self
            .frameworks
            .iter()
            .filter_map(|f| {
                f.requirement(reference)
                    .map(|r| Node::Requirement(f.id.clone(), r.id.clone()))
            })
            .collect();
        match matches.len() {
            1 => Ok(matches.into_iter().next().unwrap_or(Node::Control(String::new()))),
            0 => Err(format!(
                "'{reference}' is neither a control nor a requirement of any framework; qualify it as FRAMEWORK:ID (e.g. tsc:CC6.1)"
            )),
            _ => Err(format!(
                "'{reference}' is ambiguous: {}; qualify it as FRAMEWORK:ID",
                matches.iter().map(Node::qualified).collect::<Vec<_>>().join(", ")
            )),
        }
    }
}

#[cfg(test)]
mod tests;
