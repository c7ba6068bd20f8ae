//! Rejects sent back to the stations (`--station-reports OUT`): one
//! workbook per station with problems in a load, `OUT/<load month>/<station
//! id>.xlsx`, listing every rejected row and nulled field of its files
//! with the file, line, column, value (masked, as everywhere), the reason
//! in the station's language and what to do, grouped by file with the
//! count at the top.
//!
//! A station id becomes a file name only when it is a plain code (letters,
//! digits, `-` and `_`, not a device name, not a phone number): anything
//! else, such as `../x`,
//! goes to `OUT/<load month>/_unknown/<hash>.xlsx`, and its reasons say
//! why. Rows whose station cannot be told (the station_id cell itself is
//! bad, or a visit whose repair is unknown) go to `_unknown.xlsx`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};
use sha2::{Digest, Sha256};

use crate::config::Language;
use crate::error::{write_err, Error, Result};
use crate::ingest::rows::{Action, Reject};
use crate::month::is_month;
use crate::schema::{Schemas, TableSchema};

/// Where one station's problems go.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Owner {
    /// A plain station code: `<id>.xlsx`.
    Station(String),
    /// An id that cannot be a file name: `_unknown/<hash>.xlsx`.
    Unsafe(String),
    /// No station can be told: `_unknown.xlsx`.
    Unknown,
}

/// Windows device names, which no file may be called, whatever its case.
const DEVICES: &[&str] = &["con", "prn", "aux", "nul", "com1", "com2", "com3", "lpt1", "lpt2", "lpt3"];

/// A station id that is safe as a file name on every system, and that
/// shows no phone number: an id of phone shape (`13812345678`) is masked
/// wherever qfb shows it, so it may not name a file either.
pub fn is_plain_code(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !DEVICES.contains(&id.to_ascii_lowercase().as_str())
        && crate::text::mask_phones(id) == id
}

impl Owner {
    pub fn of(r: &Reject) -> Owner {
        match r.station_id.as_deref() {
            Some(id) if is_plain_code(id) => Owner::Station(id.to_string()),
            Some(id) => Owner::Unsafe(id.to_string()),
            None => Owner::Unknown,
        }
    }

    /// The workbook's path under `dir` (the load month's folder): always
    /// inside it, whatever the id.
    pub fn path(&self, dir: &Path) -> PathBuf {
        match self {
            Owner::Station(id) => dir.join(format!("{id}.xlsx")),
            Owner::Unsafe(id) => {
                let hash = crate::config::hex(&Sha256::digest(id.as_bytes()));
                dir.join("_unknown").join(format!("station-{}.xlsx", &hash[..12]))
            }
            Owner::Unknown => dir.join("_unknown.xlsx"),
        }
    }
}

/// The folder of a load month's workbooks (an undated drop's go to `_drop`).
pub fn month_dir(out: &Path, load_month: &str) -> PathBuf {
    out.join(if is_month(load_month) { load_month } else { "_drop" })
}

fn zh_or(lang: Language, en: &str, zh: &str) -> String {
    match lang {
        Language::En => en.to_string(),
        Language::Zh => zh.to_string(),
    }
}

/// The reject's reason and what to do, in `lang`. English reasons are the
/// validator's own; Chinese ones are written from the rule, the column's
/// Chinese name and its rule as the template states it.
pub fn explain(r: &Reject, schema: Option<&TableSchema>, lang: Language) -> (String, String) {
    let column = schema.zip(r.column.as_deref()).and_then(|(s, c)| s.column(c));
    let name = column.map(|c| c.zh.clone()).or_else(|| r.column.clone()).unwrap_or_default();
    let other = |pick: fn(&crate::schema::Column) -> &Option<String>| {
        column
            .and_then(|c| pick(c).as_deref())
            .and_then(|o| schema.and_then(|s| s.column(o)))
            .map(|o| o.zh.clone())
            .unwrap_or_default()
    };
    let rule_text = match (schema, column) {
        (Some(s), Some(c)) => crate::template::rule(c, s, crate::template::Lang::Zh),
        _ => String::new(),
    };
    let value = r.value.clone().unwrap_or_default();
    let (zh_reason, zh_todo) = match r.rule {
        "missing_required" => (format!("必填项「{name}」为空"), format!("填写「{name}」后重新发送此行")),
        "invalid_value" => (format!("「{name}」的值 {value} 无法识别"), format!("按规则更正：{rule_text}")),
        "unknown_code" => (format!("「{name}」的值 {value} 不在代码表中"), "从模板的下拉列表中选择".to_string()),
        "out_of_range" => (format!("「{name}」的值 {value} 超出允许范围"), format!("按规则更正：{rule_text}")),
        "order" => {
            (format!("「{name}」早于「{}」", other(|c| &c.not_before)), "核对这两个日期或时间后重新发送".to_string())
        }
        "only_if" => (
            format!("「{name}」仅在「{}」为是时保留，已置空", other(|c| &c.only_if)),
            "如确有此值，请同时更正另一列".to_string(),
        ),
        "required_if" => (
            format!("「{}」已填写时「{name}」必填", other(|c| &c.required_if)),
            format!("填写「{name}」后重新发送此行"),
        ),
        "duplicate_key" => (
            format!("同一数据包中编号 {value} 重复，以后出现的一行为准"),
            "删除重复的行，或为不同记录使用不同编号".to_string(),
        ),
        "field_count" => ("该行的列数与表头不一致".to_string(), "检查是否多了或少了分隔符（逗号）或引号".to_string()),
        "repeated_header" => ("数据中再次出现表头行".to_string(), "删除重复的表头行".to_string()),
        "malformed_quote" => ("该行引号不成对".to_string(), "检查该行的引号，或用模板重新填写".to_string()),
        "truncated" => ("文件在此行中断，内容不完整".to_string(), "重新导出完整的文件后发送".to_string()),
        _ => (r.reason.clone(), "按原因更正后重新发送此行".to_string()),
    };
    let en_todo = match r.rule {
        "missing_required" | "required_if" => "fill it in and send the row again",
        "unknown_code" => "choose a value from the template's drop-down list",
        "duplicate_key" => "remove the repeated row, or give each record its own id",
        "field_count" | "malformed_quote" | "truncated" | "repeated_header" => {
            "check the row's separators and quotes, or fill the template again"
        }
        "only_if" => "if the value is right, correct the other column too",
        _ => "correct the value as the rule says and send the row again",
    };
    let mut reason = zh_or(lang, &r.reason, &zh_reason);
    if r.action == Action::FieldNulled {
        reason.push_str(&zh_or(lang, " (the row loaded; this field was left empty)", "（该行已导入，此项已置空）"));
    }
    (reason, zh_or(lang, en_todo, &zh_todo))
}

/// Every workbook of one load: owner → its rejects.
pub fn group<'r>(rejects: impl Iterator<Item = &'r Reject>) -> BTreeMap<Owner, Vec<&'r Reject>> {
    let mut out: BTreeMap<Owner, Vec<&Reject>> = BTreeMap::new();
    for r in rejects {
        out.entry(Owner::of(r)).or_default().push(r);
    }
    out
}

/// One owner's workbook.
pub fn workbook(
    owner: &Owner,
    load_month: &str,
    rejects: &[&Reject],
    schemas: &Schemas,
    lang: Language,
) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_creation_datetime(&rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1)?),
    );
    let ws = wb.add_worksheet();
    ws.set_name(zh_or(lang, "Problems", "问题清单"))?;
    let bold = Format::new().set_bold();
    let head = Format::new().set_bold().set_background_color("DDEBF7").set_border(FormatBorder::Thin);
    let wrap = Format::new().set_text_wrap();
    let rejected = rejects.iter().filter(|r| r.action == Action::RowRejected).count();
    let nulled = rejects.len() - rejected;
    let who = match owner {
        Owner::Station(id) => crate::text::shown(id, 80),
        Owner::Unsafe(id) => zh_or(
            lang,
            &format!(
                "station id `{}` (not a plain code: letters, digits, - and _; named by its hash)",
                crate::text::shown(id, 80)
            ),
            &format!(
                "网点编号 `{}`（不是规范代码：只能含字母、数字、- 和 _；文件以其哈希命名）",
                crate::text::shown(id, 80)
            ),
        ),
        Owner::Unknown => zh_or(lang, "rows whose station cannot be told", "无法确定网点的行"),
    };
    let title = zh_or(
        lang,
        &format!(
            "{who} · drop {load_month} · {} problems: {rejected} rows rejected, {nulled} fields left empty",
            rejects.len()
        ),
        &format!("{who} · {load_month} 数据包 · 共 {} 个问题：拒收 {rejected} 行，置空 {nulled} 个字段", rejects.len()),
    );
    ws.write_with_format(0, 0, title, &bold)?;
    ws.write(
        1,
        0,
        zh_or(
            lang,
            "Correct each row at the source and send it again in the next drop.",
            "请在原始记录中逐条更正，并在下一个数据包中重新发送。",
        ),
    )?;
    let headers = ["line", "column", "value", "record", "reason", "what to do"];
    let headers_zh = ["行号", "列", "值", "记录编号", "问题", "处理办法"];
    let mut by_file: BTreeMap<&str, Vec<&Reject>> = BTreeMap::new();
    for r in rejects {
        by_file.entry(r.source_file.as_str()).or_default().push(r);
    }
    let mut row = 3u32;
    for (file, list) in by_file {
        ws.write_with_format(
            row,
            0,
            zh_or(
                lang,
                &format!("File {file} ({} problems)", list.len()),
                &format!("文件 {file}（{} 个问题）", list.len()),
            ),
            &bold,
        )?;
        row += 1;
        for (i, h) in headers.iter().enumerate() {
            ws.write_with_format(row, i as u16, zh_or(lang, h, headers_zh[i]), &head)?;
        }
        for r in list {
            row += 1;
            let schema = schemas.get(&r.table);
            let (reason, todo) = explain(r, schema, lang);
            let column = match (lang, schema.zip(r.column.as_deref()).and_then(|(s, c)| s.column(c))) {
                (Language::Zh, Some(c)) => c.zh.clone(),
                _ => r.column.clone().unwrap_or_default(),
            };
            ws.write(row, 0, r.line as f64)?;
            ws.write(row, 1, column)?;
            // Values and keys are the station's own text: written as text,
            // never as a formula, and masked where personal.
            ws.write_string(row, 2, crate::text::shown(r.value.as_deref().unwrap_or(""), 200))?;
            ws.write_string(row, 3, crate::text::shown(r.key.as_deref().unwrap_or(""), 200))?;
            ws.write_with_format(row, 4, crate::text::mask_phones(&reason).as_ref(), &wrap)?;
            ws.write_with_format(row, 5, todo, &wrap)?;
        }
        row += 2;
    }
    for (c, w) in [(0u16, 8.0), (1, 16.0), (2, 24.0), (3, 16.0), (4, 60.0), (5, 40.0)] {
        ws.set_column_width(c, w)?;
    }
    ws.set_freeze_panes(3, 0)?;
    wb.save_to_buffer()
}

/// Refuse an OUT inside the drops being read: the workbooks of a load
/// replace the earlier ones in `OUT/<load month>/`, which must never be a
/// drop folder.
pub fn check_out(out: &Path, input: &Path) -> Result<()> {
    let abs = |p: &Path| std::path::absolute(p).map_err(crate::error::read_err(p));
    if abs(out)?.starts_with(abs(input)?) {
        return Err(Error::Usage(format!(
            "--station-reports {} is inside the input folder {}: give a folder of its own",
            out.display(),
            input.display()
        )));
    }
    Ok(())
}

/// Write one load's workbooks under `out`; returns the paths written. The
/// workbooks written for the load before are removed first (only those:
/// `*.xlsx` in the month's folder and its `_unknown/`), so a re-run leaves
/// no stale one.
pub fn write(
    out: &Path,
    load_month: &str,
    rejects: &[&Reject],
    schemas: &Schemas,
    lang: Language,
) -> Result<Vec<PathBuf>> {
    let dir = month_dir(out, load_month);
    for d in [dir.clone(), dir.join("_unknown")] {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_file() && p.extension().is_some_and(|x| x == "xlsx") {
                std::fs::remove_file(&p).map_err(write_err(&p))?;
            }
        }
    }
    let mut written = Vec::new();
    for (owner, list) in group(rejects.iter().copied()) {
        let path = owner.path(&dir);
        debug_assert!(path.starts_with(&dir));
        let bytes = workbook(&owner, load_month, &list, schemas, lang)
            .map_err(|e| Error::Write { path: path.clone(), source: std::io::Error::other(e.to_string()) })?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write_err(parent))?;
        }
        crate::lake::write_atomic(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reject(station: Option<&str>, rule: &'static str, column: Option<&str>, value: Option<&str>) -> Reject {
        Reject {
            table: "repairs".into(),
            source_file: "repairs.csv".into(),
            line: 7,
            column: column.map(String::from),
            value: value.map(String::from),
            key: Some("R1".into()),
            rule,
            reason: "the validator's reason".into(),
            action: Action::RowRejected,
            station_id: station.map(String::from),
            repair_id: None,
        }
    }

    #[test]
    fn only_plain_codes_become_file_names() {
        for ok in ["ST001", "st-1", "A_b-9"] {
            assert!(is_plain_code(ok), "{ok}");
        }
        for bad in [
            "../x",
            "a/b",
            "c\\d",
            "..",
            ".",
            "",
            "CON",
            "nul",
            "x y",
            "网点1",
            "a.xlsx",
            "13812345678",
            &"x".repeat(65),
        ] {
            assert!(!is_plain_code(bad), "{bad}");
        }
        let dir = Path::new("/out/2026-10");
        for id in ["../x", "a/b", "c\\d", "/etc/passwd", "..\\..\\win"] {
            let p = Owner::of(&reject(Some(id), "missing_required", None, None)).path(dir);
            assert!(p.starts_with("/out/2026-10/_unknown/"), "{id}: {}", p.display());
            assert_eq!(p.components().count(), dir.components().count() + 2, "{id}");
        }
        assert_eq!(Owner::of(&reject(Some("ST001"), "order", None, None)).path(dir), dir.join("ST001.xlsx"));
        assert_eq!(Owner::of(&reject(None, "order", None, None)).path(dir), dir.join("_unknown.xlsx"));
        assert_eq!(month_dir(Path::new("/out"), "../../x"), Path::new("/out/_drop"));
    }

    #[test]
    fn a_phone_in_a_value_or_record_id_is_masked_in_the_workbook() {
        use calamine::Reader;
        let schemas = Schemas::load().unwrap();
        let mut r = reject(Some("ST001"), "invalid_value", Some("fault_code"), Some("13812345678"));
        r.key = Some("13912345678".into());
        let bytes = workbook(&Owner::of(&r), "2026-10", &[&r], &schemas, Language::Zh).unwrap();
        let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range_at(0).unwrap().unwrap();
        let cells: Vec<String> = range.rows().flat_map(|row| row.iter().map(|c| c.to_string())).collect();
        assert!(cells.contains(&"138****5678".to_string()) && cells.contains(&"139****5678".to_string()), "{cells:?}");
        assert!(!cells.iter().any(|c| c.contains("13812345678") || c.contains("13912345678")), "{cells:?}");
    }

    #[test]
    fn reasons_in_chinese_name_the_column_and_the_rule() {
        let schemas = Schemas::load().unwrap();
        let schema = schemas.get("repairs");
        let r = reject(Some("ST001"), "missing_required", Some("cause"), None);
        assert_eq!(
            explain(&r, schema, Language::Zh),
            ("必填项「故障原因」为空".into(), "填写「故障原因」后重新发送此行".into())
        );
        let r = reject(Some("ST001"), "unknown_code", Some("component"), Some("flux_capacitor"));
        assert_eq!(
            explain(&r, schema, Language::Zh),
            ("「故障部件」的值 flux_capacitor 不在代码表中".into(), "从模板的下拉列表中选择".into())
        );
        let r = reject(Some("ST001"), "order", Some("responded_at"), Some("2026-01-01 00:00"));
        assert_eq!(explain(&r, schema, Language::Zh).0, "「响应时间」早于「报修时间」");
        let r = reject(Some("ST001"), "invalid_value", Some("reported_at"), Some("2026-02-30"));
        assert_eq!(
            explain(&r, schema, Language::Zh),
            ("「报修时间」的值 2026-02-30 无法识别".into(), "按规则更正：日期时间 YYYY-MM-DD HH:MM；必填".into())
        );
        let r = reject(Some("ST001"), "unknown_code", Some("component"), Some("x"));
        assert_eq!(explain(&r, schema, Language::En).0, "the validator's reason");
    }
}
