//! Generates a synthetic CSV inventory for benchmarks: `gen_inventory ROWS FILE`.
//!
//! Deterministic (a fixed-seed xorshift), with a realistic mix of kinds, operators, sites and
//! facts, so every scope rule and most finding rules fire somewhere in the file.

use fieldproof_core::Fact;
use std::io::{BufWriter, Write};

const KINDS: &[(&str, &str)] = &[
    ("field_device", "field"),
    ("field_device", "field"),
    ("field_device", "field"),
    ("edge_gateway", "field"),
    ("plc", "ot"),
    ("hmi", "ot"),
    ("scada", "ot"),
    ("historian", "ot"),
    ("bms", "ot"),
    ("dcim", "ot"),
    ("pacs", "ot"),
    ("cloud_service", "cloud"),
    ("telemetry_ingestion", "cloud"),
    ("admin_tooling", "cloud"),
    ("network", "dmz"),
    ("customer_network", "it"),
];
const OPERATORS: &[&str] = &["us", "us", "customer", "shared"];
const SITES: &[&str] = &["our_facility", "our_cloud", "customer_site", "third_party"];
const DECLARED: &[&str] = &["", "", "in", "shared", "out"];

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(rows), Some(path)) = (args.next().and_then(|n| n.parse::<u64>().ok()), args.next())
    else {
        eprintln!("usage: gen_inventory ROWS FILE");
        std::process::exit(2);
    };
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    write!(out, "id,name,kind,operated_by,site,zone,declared_scope")?;
    for fact in Fact::ALL {
        write!(out, ",{fact}")?;
    }
    writeln!(out)?;
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for i in 0..rows {
        let (kind, zone) = KINDS[(rng.next() % KINDS.len() as u64) as usize];
        let operator = rng.pick(OPERATORS);
        let site = rng.pick(SITES);
        let declared = rng.pick(DECLARED);
        write!(
            out,
            "c{i:08},{kind} unit {i},{kind},{operator},{site},{zone},{declared}"
        )?;
        let bits = rng.next();
        for f in 0..Fact::ALL.len() {
            // Each fact is true for about one component in four.
            let on = (bits >> (f * 2)) & 3 == 0;
            out.write_all(if on { b",yes" } else { b",no" })?;
        }
        writeln!(out)?;
    }
    out.flush()
}
