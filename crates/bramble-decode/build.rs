//! Generates the A64 decoder from `a64.decode`.
//!
//! The spec format is documented at the top of `a64.decode`. This generator turns every
//! pattern into a small match function, groups patterns into one enum per encoding group,
//! and buckets patterns by instruction bits [31:21] so `decode` tests only the few patterns
//! that can match a word, in spec order (earlier patterns win an overlap).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::{env, fs, path::Path};

struct Field {
    name: String,
    lsb: u32,
    width: u32,
    ty: Option<String>,
}

enum Clause {
    When(String),
    Derived { name: String, ty: String, expr: String },
}

struct Pattern {
    name: String,
    group: String,
    mask: u32,
    value: u32,
    fields: Vec<Field>,
    clauses: Vec<Clause>,
    line: usize,
}

fn parse(spec: &str) -> Result<(Vec<String>, Vec<Pattern>), String> {
    let mut groups = Vec::new();
    let mut patterns = Vec::new();
    let mut group = None::<String>;
    for (i, raw) in spec.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("@group") {
            let name = rest.split_whitespace().next().ok_or(format!("line {line_no}: @group needs a name"))?;
            groups.push(name.to_string());
            group = Some(name.to_string());
            continue;
        }
        let group = group.clone().ok_or(format!("line {line_no}: pattern before any @group"))?;
        let mut parts = line.split(';');
        let head = parts.next().unwrap_or("");
        let mut toks = head.split_whitespace();
        let name = toks.next().ok_or(format!("line {line_no}: empty pattern"))?.to_string();
        let mut pos: i32 = 32;
        let (mut mask, mut value) = (0u32, 0u32);
        let mut fields = Vec::new();
        for tok in toks {
            if tok.contains(':') {
                let mut f = tok.split(':');
                let fname = f.next().unwrap_or("").to_string();
                let width: u32 =
                    f.next().and_then(|w| w.parse().ok()).ok_or(format!("line {line_no}: bad field {tok}"))?;
                let ty = f.next().map(str::to_string);
                pos -= width as i32;
                if pos < 0 {
                    return Err(format!("line {line_no}: pattern longer than 32 bits"));
                }
                fields.push(Field { name: fname, lsb: pos as u32, width, ty });
            } else {
                for c in tok.chars() {
                    pos -= 1;
                    if pos < 0 {
                        return Err(format!("line {line_no}: pattern longer than 32 bits"));
                    }
                    match c {
                        '0' => mask |= 1 << pos,
                        '1' => {
                            mask |= 1 << pos;
                            value |= 1 << pos;
                        }
                        '.' => {}
                        _ => return Err(format!("line {line_no}: bad bit '{c}' in {tok}")),
                    }
                }
            }
        }
        if pos != 0 {
            return Err(format!("line {line_no}: pattern {name} has {} bits, not 32", 32 - pos));
        }
        let mut clauses = Vec::new();
        for clause in parts {
            let clause = clause.trim();
            if let Some(cond) = clause.strip_prefix("when ") {
                clauses.push(Clause::When(cond.trim().to_string()));
            } else {
                let (lhs, expr) = clause
                    .split_once('=')
                    .ok_or(format!("line {line_no}: clause '{clause}' is neither `when` nor `name:Type = expr`"))?;
                let (n, t) =
                    lhs.trim().split_once(':').ok_or(format!("line {line_no}: derived field '{lhs}' needs a type"))?;
                clauses.push(Clause::Derived {
                    name: n.trim().to_string(),
                    ty: t.trim().to_string(),
                    expr: expr.trim().to_string(),
                });
            }
        }
        patterns.push(Pattern { name, group, mask, value, fields, clauses, line: line_no });
    }
    Ok((groups, patterns))
}

fn field_type(f: &Field) -> Option<String> {
    if f.name.starts_with('_') {
        return None;
    }
    Some(match &f.ty {
        Some(t) => t.clone(),
        None if f.width <= 8 => "u8".into(),
        None if f.width <= 16 => "u16".into(),
        None => "u32".into(),
    })
}

fn has_members(p: &Pattern) -> bool {
    p.fields.iter().any(|f| field_type(f).is_some())
        || p.clauses.iter().any(|c| matches!(c, Clause::Derived { name, .. } if !name.starts_with('_')))
}

fn convert(ty: &str, v: &str) -> String {
    match ty {
        "bool" => format!("{v} != 0"),
        "Xz" | "Xs" => format!("{ty}::new({v})"),
        _ => format!("{v} as {ty}"),
    }
}

fn generate(groups: &[String], patterns: &[Pattern]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "// @generated by build.rs from a64.decode. Do not edit.\n");
    // Enums.
    let _ = writeln!(out, "/// A decoded A64 instruction, by encoding group.");
    let _ = writeln!(out, "#[derive(Clone, Copy, Debug, PartialEq, Eq)]\npub enum Insn {{");
    for g in groups {
        let _ = writeln!(out, "    {g}({g}),");
    }
    let _ = writeln!(out, "    /// Unallocated in the architecture, or an extension bramble does not implement:\n    /// the architectural UNDEFINED path.\n    Unallocated,\n}}\n");
    for g in groups {
        let _ = writeln!(out, "#[derive(Clone, Copy, Debug, PartialEq, Eq)]\npub enum {g} {{");
        for p in patterns.iter().filter(|p| &p.group == g) {
            let mut members = Vec::new();
            for f in &p.fields {
                if let Some(t) = field_type(f) {
                    members.push(format!("{}: {t}", f.name));
                }
            }
            for c in &p.clauses {
                if let Clause::Derived { name, ty, .. } = c {
                    if !name.starts_with('_') {
                        members.push(format!("{name}: {ty}"));
                    }
                }
            }
            if members.is_empty() {
                let _ = writeln!(out, "    {},", p.name);
            } else {
                let _ = writeln!(out, "    {} {{ {} }},", p.name, members.join(", "));
            }
        }
        let _ = writeln!(out, "}}\n");
    }
    // Names.
    let _ = writeln!(out, "impl Insn {{\n    /// The spec's pattern name (`unallocated` for none).\n    pub fn name(&self) -> &'static str {{\n        match self {{");
    for p in patterns {
        let rest = if has_members(p) { " { .. }" } else { "" };
        let _ = writeln!(out, "            Insn::{}({}::{}{rest}) => \"{}\",", p.group, p.group, p.name, p.name);
    }
    let _ = writeln!(out, "            Insn::Unallocated => \"unallocated\",\n        }}\n    }}\n}}\n");
    // Dense variant numbers and a macro listing the variants in the same order, for tables
    // indexed by variant (the block translator's per-variant handlers).
    let _ = writeln!(
        out,
        "impl Insn {{\n    /// How many numbers [`Insn::variant_index`] uses.\n    pub const VARIANTS: usize = {};\n\n    /// The pattern's position in the spec (`Unallocated` last): the order of\n    /// `for_each_insn_variant!`.\n    pub fn variant_index(&self) -> usize {{\n        match self {{",
        patterns.len() + 1
    );
    for (i, p) in patterns.iter().enumerate() {
        let rest = if has_members(p) { " { .. }" } else { "" };
        let _ = writeln!(out, "            Insn::{}({}::{}{rest}) => {i},", p.group, p.group, p.name);
    }
    let _ = writeln!(out, "            Insn::Unallocated => {},\n        }}\n    }}\n}}\n", patterns.len());
    let _ = writeln!(
        out,
        "/// Invokes `$m! {{ (Group, Variant), ... }}` over every pattern in spec order\n/// (the order of [`Insn::variant_index`]; `Unallocated` is not listed).\n#[macro_export]\nmacro_rules! for_each_insn_variant {{\n    ($m:ident) => {{\n        $m! {{"
    );
    for p in patterns {
        let _ = writeln!(out, "            ({}, {}),", p.group, p.name);
    }
    let _ = writeln!(out, "        }}\n    }};\n}}\n");
    // Match functions.
    for (i, p) in patterns.iter().enumerate() {
        let _ = writeln!(out, "// a64.decode:{} {}", p.line, p.name);
        let _ = writeln!(
            out,
            "#[allow(unused_variables, unused_parens, clippy::all)]\nfn match_{i}(insn: u32) -> Option<Insn> {{"
        );
        for f in &p.fields {
            let m = if f.width == 32 { u32::MAX } else { (1u32 << f.width) - 1 };
            let _ = writeln!(out, "    let {}: u32 = (insn >> {}) & {m:#x};", f.name, f.lsb);
        }
        let mut members = Vec::new();
        for f in &p.fields {
            if let Some(t) = field_type(f) {
                members.push(format!("{}: {}", f.name, convert(&t, &f.name)));
            }
        }
        for c in &p.clauses {
            match c {
                Clause::When(cond) => {
                    let _ = writeln!(out, "    if !({cond}) {{ return None; }}");
                }
                Clause::Derived { name, ty, expr } => {
                    let _ = writeln!(out, "    let {name}: {ty} = {expr};");
                    if !name.starts_with('_') {
                        members.push(name.clone());
                    }
                }
            }
        }
        if members.is_empty() {
            let _ = writeln!(out, "    Some(Insn::{}({}::{}))\n}}\n", p.group, p.group, p.name);
        } else {
            let _ = writeln!(
                out,
                "    Some(Insn::{}({}::{} {{ {} }}))\n}}\n",
                p.group,
                p.group,
                p.name,
                members.join(", ")
            );
        }
    }
    // Tables.
    let n = patterns.len();
    let _ = writeln!(out, "/// (mask, value, matcher) for every pattern, in spec order.");
    let _ = writeln!(out, "type Matcher = fn(u32) -> Option<Insn>;\n");
    let _ = writeln!(out, "static PATTERNS: [(u32, u32, Matcher); {n}] = [");
    for (i, p) in patterns.iter().enumerate() {
        let _ = writeln!(out, "    ({:#010x}, {:#010x}, match_{i}),", p.mask, p.value);
    }
    let _ = writeln!(out, "];\n");
    let mut starts = Vec::with_capacity(2049);
    let mut list: Vec<usize> = Vec::new();
    for b in 0u32..2048 {
        starts.push(list.len());
        let hi = b << 21;
        for (i, p) in patterns.iter().enumerate() {
            if (hi ^ p.value) & p.mask & 0xffe0_0000 == 0 {
                list.push(i);
            }
        }
    }
    starts.push(list.len());
    let _ = writeln!(out, "/// Pattern count (for tests and tools).\npub const PATTERN_COUNT: usize = {n};\n");
    let _ = writeln!(out, "static BUCKET_START: [u16; 2049] = {starts:?};\n");
    let _ = writeln!(out, "static BUCKET_LIST: [u16; {}] = {list:?};\n", list.len());
    let _ = writeln!(
        out,
        "/// Decodes one A64 instruction word.\n\
         pub fn decode(insn: u32) -> Insn {{\n\
         \x20   let b = (insn >> 21) as usize;\n\
         \x20   let (lo, hi) = (BUCKET_START[b] as usize, BUCKET_START[b + 1] as usize);\n\
         \x20   for &i in &BUCKET_LIST[lo..hi] {{\n\
         \x20       let (mask, value, f) = PATTERNS[i as usize];\n\
         \x20       if insn & mask == value {{\n\
         \x20           if let Some(d) = f(insn) {{\n\
         \x20               return d;\n\
         \x20           }}\n\
         \x20       }}\n\
         \x20   }}\n\
         \x20   Insn::Unallocated\n\
         }}"
    );
    out
}

fn main() {
    let spec_path = Path::new("a64.decode");
    println!("cargo::rerun-if-changed=a64.decode");
    let spec = match fs::read_to_string(spec_path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot read a64.decode: {e}");
            std::process::exit(1);
        }
    };
    let (groups, patterns) = match parse(&spec) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("a64.decode: {e}");
            std::process::exit(1);
        }
    };
    let mut seen = BTreeMap::new();
    for p in &patterns {
        if let Some(prev) = seen.insert(p.name.clone(), p.line) {
            eprintln!("a64.decode:{}: pattern {} already defined at line {prev}", p.line, p.name);
            std::process::exit(1);
        }
    }
    let code = generate(&groups, &patterns);
    let out = env::var("OUT_DIR").map(|d| Path::new(&d).join("decoder.rs"));
    match out.map(|o| fs::write(o, code)) {
        Ok(Ok(())) => {}
        _ => {
            eprintln!("cannot write the generated decoder");
            std::process::exit(1);
        }
    }
}
