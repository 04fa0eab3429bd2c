//! Parsing of sizes (`--mem`) and addresses (`--load-addr`).

/// Smallest and largest guest RAM bramble accepts. The Pi 4 ships with 1 to 8 GiB.
const MIN_MEM: u64 = 16 << 20;
const MAX_MEM: u64 = 16 << 30;

/// Parses `512M`, `1G`, `1536` (MiB), `64K`... with binary units.
pub fn parse_mem(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => return Err(format!("'{s}': unknown unit '{c}' (use K, M, G or T)")),
            };
            (&t[..i], m)
        }
        _ => (t, 1 << 20),
    };
    let n: u64 = num.parse().map_err(|_| format!("'{s}' is not a size such as 512M or 1G"))?;
    let bytes = n.checked_mul(mult).ok_or_else(|| format!("'{s}' is absurdly large"))?;
    if !(MIN_MEM..=MAX_MEM).contains(&bytes) {
        return Err(format!("'{s}' is out of range: guest RAM must be between 16M and 16G"));
    }
    if !bytes.is_multiple_of(1 << 20) {
        return Err(format!("'{s}' is not a whole number of MiB"));
    }
    Ok(bytes)
}

/// Parses `0x80000` or `524288`.
pub fn parse_addr(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let r = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => t.replace('_', "").parse(),
    };
    r.map_err(|_| format!("'{s}' is not an address (use hex like 0x80000 or decimal)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_mem("1G"), Ok(1 << 30));
        assert_eq!(parse_mem("512m"), Ok(512 << 20));
        assert_eq!(parse_mem("1536"), Ok(1536 << 20));
        assert!(parse_mem("0").is_err());
        assert!(parse_mem("1P").is_err());
        assert!(parse_mem("99999999999999999999G").is_err());
        assert!(parse_mem("18446744073709551615G").is_err());
        assert!(parse_mem("64T").is_err());
        assert!(parse_mem("lots").is_err());
    }

    #[test]
    fn addresses() {
        assert_eq!(parse_addr("0x80000"), Ok(0x80000));
        assert_eq!(parse_addr("4096"), Ok(4096));
        assert!(parse_addr("0xzz").is_err());
    }
}
