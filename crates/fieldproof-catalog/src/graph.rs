//! Following mappings: from a requirement or control to the requirements of another framework.
//!
//! The graph's edges are the control library's typed mappings (control → requirement, and back
//! with the inverse relationship) and the crosswalks (for example NIST → ISO 27001 from NIST
//! OLIR). A path composes the relationships along it ([`Relationship::compose`]); its strength is
//! the weakest strength along it. Searches are breadth-first and keep, for each target, every
//! path of the shortest length, so the answer shows how a mapping was reached.

use crate::model::Relationship;
use crate::{Catalog, Node};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// One edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// Where it leads.
    pub to: Node,
    /// Relationship of the edge's source to `to`.
    pub relationship: Relationship,
    /// Strength 1-10, when known.
    pub strength: Option<u8>,
    /// Why, when the mapping or designed crosswalk says.
    pub rationale: Option<String>,
    /// The crosswalk the edge comes from, if it is one.
    pub crosswalk: Option<String>,
}

/// The mapping graph of a catalog.
#[derive(Debug, Default)]
pub struct Graph {
    edges: HashMap<Node, Vec<Edge>>,
}

/// A path from the start to a target requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PathTo {
    /// The target, qualified.
    pub target: String,
    /// Its title.
    pub title: String,
    /// The composed relationship of the start to the target.
    pub relationship: Relationship,
    /// The weakest strength along the path, when every edge has one.
    pub strength: Option<u8>,
    /// The nodes, start first, qualified.
    pub path: Vec<String>,
    /// The path written out with relationship symbols.
    pub via: String,
    /// Why, for a direct mapping or a designed crosswalk pair.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    /// The designed crosswalk a direct result comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crosswalk: Option<String>,
}

impl Graph {
    /// Builds the graph of a catalog.
    pub fn of(catalog: &Catalog) -> Self {
        let mut graph = Graph::default();
        for control in &catalog.controls {
            let from = Node::Control(control.id.clone());
            for m in &control.mappings {
                let to = Node::Requirement(m.framework.clone(), m.requirement.clone());
                graph.add(
                    &from,
                    &to,
                    m.relationship,
                    m.strength,
                    Some(&m.rationale),
                    None,
                );
            }
        }
        for crosswalk in &catalog.crosswalks {
            let designed = crosswalk
                .header
                .designed
                .then_some(crosswalk.header.id.as_str());
            for pair in &crosswalk.pairs {
                if pair.relationship == Relationship::NoRelationship {
                    continue; // judged and found unrelated: not a path
                }
                let from = Node::Requirement(crosswalk.header.source.clone(), pair.source.clone());
                let to = Node::Requirement(crosswalk.header.target.clone(), pair.target.clone());
                graph.add(
                    &from,
                    &to,
                    pair.relationship,
                    None,
                    pair.rationale.as_deref(),
                    designed,
                );
            }
        }
        for framework in &catalog.frameworks {
            let Some(base) = framework
                .based_on
                .as_deref()
                .and_then(|b| catalog.framework(b))
            else {
                continue;
            };
            let rationale = format!(
                "{} selects this requirement from {} under the same id",
                framework.short, base.short
            );
            for r in &framework.requirements {
                if let Some(namesake) = base.requirement(&r.id) {
                    graph.add(
                        &Node::Requirement(framework.id.clone(), r.id.clone()),
                        &Node::Requirement(base.id.clone(), namesake.id.clone()),
                        Relationship::Equal,
                        None,
                        Some(&rationale),
                        None,
                    );
                }
            }
        }
        for edges in graph.edges.values_mut() {
            edges.sort_by(|a, b| a.to.cmp(&b.to));
            edges.dedup_by(|a, b| a.to == b.to);
        }
        graph
    }

    fn add(
        &mut self,
        from: &Node,
        to: &Node,
        relationship: Relationship,
        strength: Option<u8>,
        rationale: Option<&str>,
        crosswalk: Option<&str>,
    ) {
        let edge = |to: &Node, relationship| Edge {
            to: to.clone(),
            relationship,
            strength,
            rationale: rationale.map(str::to_string),
            crosswalk: crosswalk.map(str::to_string),
        };
        self.edges
            .entry(from.clone())
            .or_default()
            .push(edge(to, relationship));
        self.edges
            .entry(to.clone())
            .or_default()
            .push(edge(from, relationship.inverse()));
    }

    /// The direct edges of a node.
    pub fn edges(&self, node: &Node) -> &[Edge] {
        self.edges.get(node).map(Vec::as_slice).unwrap_or_default()
    }

    /// Every requirement of `framework` reachable from `start` in at most `max_hops` edges,
    /// with all shortest paths, ordered by path length, then target id, then path.
    pub fn paths(
        &self,
        catalog: &Catalog,
        start: &Node,
        framework: &str,
        max_hops: usize,
    ) -> Vec<PathTo> {
        // Breadth-first over simple paths; the frontier holds whole paths so that every shortest
        // path to a target is kept.
        struct Partial {
            nodes: Vec<Node>,
            relationship: Relationship,
            strength: Option<u8>,
            all_strengths: bool,
        }
        let mut best: BTreeMap<Node, usize> = BTreeMap::new();
        let mut found: Vec<(Node, Partial)> = Vec::new();
        let mut queue = VecDeque::from([Partial {
            nodes: vec![start.clone()],
            relationship: Relationship::Equal,
            strength: None,
            all_strengths: true,
        }]);
        while let Some(partial) = queue.pop_front() {
            let hops = partial.nodes.len() - 1;
            if hops >= max_hops {
                continue;
            }
            let Some(here) = partial.nodes.last() else {
                continue;
            };
            for edge in self.edges(here) {
                if partial.nodes.contains(&edge.to) {
                    continue;
                }
                let reached = hops + 1;
                if best.get(&edge.to).is_some_and(|b| *b < reached) {
                    continue;
                }
                let mut nodes = partial.nodes.clone();
                nodes.push(edge.to.clone());
                let next = Partial {
                    nodes,
                    relationship: partial.relationship.compose(edge.relationship),
                    strength: match (partial.strength, edge.strength) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (None, b) => b,
                        (a, None) => a,
                    },
                    all_strengths: partial.all_strengths && edge.strength.is_some(),
                };
                if edge.to.framework() == framework {
                    best.entry(edge.to.clone()).or_insert(reached);
                    found.push((edge.to.clone(), next));
                } else if edge.to != *start {
                    // Only controls and crosswalk pivots are passed through, never a third
                    // framework's requirement that is not a pivot: keep paths meaningful.
                    let pivot =
                        matches!(edge.to, Node::Control(_)) || self.is_pivot(&edge.to, framework);
                    if pivot {
                        queue.push_back(next);
                    }
                }
            }
        }
        let mut out: Vec<PathTo> = found
            .into_iter()
            .filter(|(target, p)| best.get(target) == Some(&(p.nodes.len() - 1)))
            .map(|(target, p)| {
                let mut via = p.nodes[0].qualified();
                for pair in p.nodes.windows(2) {
                    let rel = self
                        .edges(&pair[0])
                        .iter()
                        .find(|e| e.to == pair[1])
                        .map_or(Relationship::Intersects, |e| e.relationship);
                    via.push_str(&format!(" {} {}", rel.symbol(), pair[1].qualified()));
                }
                let direct = (p.nodes.len() == 2)
                    .then(|| self.edges(&p.nodes[0]).iter().find(|e| e.to == p.nodes[1]))
                    .flatten();
                PathTo {
                    target: target.qualified(),
                    title: catalog.title(&target),
                    relationship: p.relationship,
                    strength: if p.all_strengths { p.strength } else { None },
                    path: p.nodes.iter().map(Node::qualified).collect(),
                    via,
                    rationale: direct.and_then(|e| e.rationale.clone()),
                    crosswalk: direct.and_then(|e| e.crosswalk.clone()),
                }
            })
            .collect();
        // Shortest (most direct) first, then by target and path.
        out.sort_by(|a, b| {
            (a.path.len(), &a.target, &a.path).cmp(&(b.path.len(), &b.target, &b.path))
        });
        out.dedup();
        out
    }

    /// Whether `node` has a crosswalk edge straight into `framework`.
    fn is_pivot(&self, node: &Node, framework: &str) -> bool {
        matches!(node, Node::Requirement(..))
            && self
                .edges(node)
                .iter()
                .any(|e| e.to.framework() == framework)
    }
}
