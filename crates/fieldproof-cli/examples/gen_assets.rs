//! Generates a Microsoft Defender for IoT device inventory export (the columns of the bundled
//! `defender-iot-devices` mapping) with ROWS devices spread over 10 plants, 25 zones each and
//! 4 device types per zone: about 1,000 groups when rolled up. Deterministic.
//!
//! Usage: cargo run --release --example gen_assets -- ROWS FILE

use std::io::Write;

const TYPES: &[(&str, &str, &str)] = &[
    ("PLC", "1", "High"),
    ("HMI", "2", "Normal"),
    ("Drive", "0", "Low"),
    ("Switch", "2", "Normal"),
];

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let file = args.next().unwrap_or_else(|| "assets.csv".to_string());
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&file)?);
    writeln!(
        out,
        "Name,Type,Subtype,Purdue level,Site,Zone,Device Id,Vendor,Model,Serial number,Importance,Programming device,Authorization,Description,Location,IPv4 Address,MAC Address"
    )?;
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for n in 0..rows {
        // xorshift: spread devices over groups without a pattern the parser could exploit
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let plant = state % 10;
        let zone = (state >> 8) % 25;
        let (kind, level, importance) = TYPES[((state >> 16) % TYPES.len() as u64) as usize];
        writeln!(
            out,
            "dev-{n},{kind},{kind},{level},Plant {plant},Zone {zone},{id},Vendor {v},Model {m},SN{n:08},{importance},No,Authorized,Device {n} of zone {zone},Hall {zone},10.{plant}.{zone}.{host},00:1b:{a:02x}:{b:02x}:{c:02x}:{d:02x}",
            id = 1_000_000 + n,
            v = (state >> 24) % 7,
            m = (state >> 28) % 13,
            host = n % 250 + 1,
            a = (n >> 24) & 0xff,
            b = (n >> 16) & 0xff,
            c = (n >> 8) & 0xff,
            d = n & 0xff,
        )?;
    }
    out.flush()
}
