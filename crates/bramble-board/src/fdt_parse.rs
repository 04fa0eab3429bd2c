//! Reading a user's device tree blob (Devicetree Specification v0.4, chapter 5, "Flattened
//! Devicetree format") so `bramble run --dtb` can fill in /chosen and write it back with
//! vm-fdt. Hand-written rather than a crate because the blob is user input: every offset
//! is bounds-checked and a malformed blob is an error, never a panic (the `fdt` crate
//! asserts on malformed structure blocks).

use vm_fdt::FdtWriter;

const MAGIC: u32 = 0xd00d_feed;
const FDT_BEGIN_NODE: u32 = 1;
const FDT_END_NODE: u32 = 2;
const FDT_PROP: u32 = 3;
const FDT_NOP: u32 = 4;
const FDT_END: u32 = 9;
/// Deeper nesting than any real tree: refuse instead of recursing without bound.
const MAX_DEPTH: usize = 64;

/// One node of a parsed tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub props: Vec<(String, Vec<u8>)>,
    pub children: Vec<Node>,
}

impl Node {
    /// The child called `name`, created if missing.
    pub fn child_mut(&mut self, name: &str) -> &mut Node {
        if let Some(i) = self.children.iter().position(|c| c.name == name) {
            return &mut self.children[i];
        }
        self.children.push(Node { name: name.into(), ..Default::default() });
        let last = self.children.len() - 1;
        &mut self.children[last]
    }

    /// Sets (replacing) a property.
    pub fn set(&mut self, name: &str, value: Vec<u8>) {
        match self.props.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = value,
            None => self.props.push((name.into(), value)),
        }
    }

    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.props.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
    }
}

/// A parsed blob: the root node and the memory reservation block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    pub root: Node,
    pub reservations: Vec<(u64, u64)>,
}

struct Reader<'a> {
    b: &'a [u8],
}

impl Reader<'_> {
    fn u32_at(&self, off: usize) -> Result<u32, String> {
        let s = self
            .b
            .get(off..off.checked_add(4).ok_or("offset overflow")?)
            .ok_or(format!("offset {off:#x} is past the end"))?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }

    fn u64_at(&self, off: usize) -> Result<u64, String> {
        Ok(((self.u32_at(off)? as u64) << 32) | self.u32_at(off + 4)? as u64)
    }

    fn cstr_at(&self, off: usize, end: usize) -> Result<&str, String> {
        let rest = self.b.get(off..end).ok_or(format!("string at {off:#x} is outside its block"))?;
        let len = rest.iter().position(|&c| c == 0).ok_or(format!("string at {off:#x} is not terminated"))?;
        std::str::from_utf8(&rest[..len]).map_err(|_| format!("string at {off:#x} is not UTF-8"))
    }
}

fn align4(x: usize) -> usize {
    (x + 3) & !3
}

/// Parses a blob; `Err` says what is wrong with it.
pub fn parse(bytes: &[u8]) -> Result<Tree, String> {
    let r = Reader { b: bytes };
    if bytes.len() < 40 || r.u32_at(0)? != MAGIC {
        return Err("not a flattened device tree (no 0xd00dfeed magic)".into());
    }
    let total = r.u32_at(4)? as usize;
    if total > bytes.len() {
        return Err(format!("header says {total} bytes but the file has {}: truncated", bytes.len()));
    }
    let (off_struct, off_strings, off_rsv) = (r.u32_at(8)? as usize, r.u32_at(12)? as usize, r.u32_at(16)? as usize);
    let version = r.u32_at(20)?;
    if version < 16 {
        return Err(format!("version {version} is older than 16"));
    }
    let strings_end = off_strings
        .checked_add(r.u32_at(32)? as usize)
        .filter(|&e| e <= total)
        .ok_or("strings block runs past the blob")?;
    let struct_end = off_struct
        .checked_add(r.u32_at(36)? as usize)
        .filter(|&e| e <= total)
        .ok_or("structure block runs past the blob")?;

    let mut reservations = Vec::new();
    let mut off = off_rsv;
    loop {
        let (addr, size) = (r.u64_at(off)?, r.u64_at(off + 8)?);
        if addr == 0 && size == 0 {
            break;
        }
        reservations.push((addr, size));
        off += 16;
        if reservations.len() > 1024 {
            return Err("memory reservation block is not terminated".into());
        }
    }

    // Iterative walk with an explicit stack of open nodes.
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    let mut p = off_struct;
    loop {
        if p >= struct_end {
            return Err("structure block ends without FDT_END".into());
        }
        match r.u32_at(p)? {
            FDT_BEGIN_NODE => {
                let name = r.cstr_at(p + 4, struct_end)?.to_string();
                p = align4(p + 4 + name.len() + 1);
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("nodes nested deeper than {MAX_DEPTH}"));
                }
                if root.is_some() {
                    return Err("more than one root node".into());
                }
                stack.push(Node { name, ..Default::default() });
            }
            FDT_END_NODE => {
                p += 4;
                let node = stack.pop().ok_or("FDT_END_NODE without an open node")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            FDT_PROP => {
                let len = r.u32_at(p + 4)? as usize;
                let nameoff = r.u32_at(p + 8)? as usize;
                let end = p.checked_add(12).and_then(|x| x.checked_add(len)).filter(|&e| e <= struct_end);
                let value = end.and_then(|e| bytes.get(p + 12..e));
                let value = value.ok_or(format!("property at {p:#x} runs past the structure block"))?.to_vec();
                let name =
                    r.cstr_at(off_strings.checked_add(nameoff).ok_or("bad name offset")?, strings_end)?.to_string();
                stack.last_mut().ok_or(format!("property {name} outside any node"))?.props.push((name, value));
                p = align4(p + 12 + len);
            }
            FDT_NOP => p += 4,
            FDT_END => break,
            t => return Err(format!("unknown token {t:#x} at {p:#x}")),
        }
    }
    if !stack.is_empty() {
        return Err("structure block ends inside a node".into());
    }
    let root = root.ok_or("no root node")?;
    Ok(Tree { root, reservations })
}

/// Writes a tree back as a blob.
pub fn write(tree: &Tree) -> Result<Vec<u8>, String> {
    let rsv: Vec<vm_fdt::FdtReserveEntry> = tree
        .reservations
        .iter()
        .map(|&(a, s)| vm_fdt::FdtReserveEntry::new(a, s))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let mut f = FdtWriter::new_with_mem_reserv(&rsv).map_err(|e| e.to_string())?;
    fn emit(f: &mut FdtWriter, n: &Node) -> vm_fdt::FdtWriterResult<()> {
        let h = f.begin_node(&n.name)?;
        for (name, value) in &n.props {
            f.property(name, value)?;
        }
        for c in &n.children {
            emit(f, c)?;
        }
        f.end_node(h)
    }
    emit(&mut f, &tree.root).map_err(|e| e.to_string())?;
    f.finish().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fdt::{build, FdtConfig};

    fn sample() -> Vec<u8> {
        build(&FdtConfig {
            memory: vec![(0, 1 << 30)],
            bootargs: "a=b".into(),
            initrd: None,
            psci_method: "hvc",
            cpus: 1,
            sd_card: false,
        })
        .unwrap()
    }

    #[test]
    fn round_trips_the_board_tree() {
        let blob = sample();
        let tree = parse(&blob).unwrap();
        assert_eq!(parse(&write(&tree).unwrap()).unwrap(), tree);
        let chosen = tree.root.children.iter().find(|c| c.name == "chosen").unwrap();
        assert_eq!(chosen.get("bootargs"), Some(&b"a=b\0"[..]));
    }

    #[test]
    fn refuses_malformed_blobs_without_panicking() {
        let blob = sample();
        assert!(parse(&blob[..blob.len() - 9]).is_err(), "truncated");
        assert!(parse(b"not a dtb at all, but forty bytes long....").is_err());
        let mut bad = blob.clone();
        let off_struct = u32::from_be_bytes(bad[8..12].try_into().unwrap()) as usize;
        bad[off_struct + 3] = 0x77; // unknown token
        assert!(parse(&bad).is_err());
        // Every single-byte corruption of the header and structure block is an error or a
        // tree, never a panic.
        for i in 0..blob.len().min(600) {
            let mut m = blob.clone();
            m[i] ^= 0xff;
            let _ = parse(&m);
        }
    }
}
