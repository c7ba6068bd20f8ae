//! `qfb template`: the fill-in workbooks the agreement (§4.1.11) asks the
//! stations to use, one per input table, built from `schemas/` and the
//! configuration's code lists, never by hand, so that a configured code
//! appears in its drop-down by itself. Pure: tables in, XLSX bytes out.
//!
//! The first sheet is the data sheet qfb reads: a frozen, styled header in
//! the template's language, a note on each header cell with the column's
//! rule, and a data validation on every typed column (drop-downs for codes
//! and booleans, dates, amounts ≥ 0, whole numbers in range, `YYYY-MM`
//! months). The second sheet explains every column and code; qfb reads
//! only the first sheet that holds a value, so it never interferes.

use rust_xlsxwriter::{
    DataValidation, DataValidationRule, ExcelDateTime, Format, FormatBorder, Formula, Note, Workbook, Worksheet,
    XlsxError,
};

use crate::config::Config;
use crate::schema::{Column, ColumnType, TableSchema};

/// The template's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

/// Data rows the validations cover (the rest of Excel's sheet).
const LAST_ROW: u32 = 1_048_575;
/// Bounds of a date validation: a date outside them is a typing error.
const FIRST_YEAR: u16 = 2000;
const LAST_YEAR: u16 = 2099;

/// Words of the template, in each language.
fn word(lang: Lang, key: &str) -> &'static str {
    let (en, zh) = match key {
        "data" => ("Data", "数据"),
        "instructions" => ("Instructions", "说明"),
        "column" => ("Column", "列名"),
        "zh" => ("中文", "中文"),
        "en" => ("English", "英文"),
        "type" => ("Type", "类型"),
        "required" => ("Required", "必填"),
        "rule" => ("Rule", "规则"),
        "yes" => ("yes", "是"),
        "no" => ("no", "否"),
        "codes" => ("Codes", "代码表"),
        "code" => ("Code", "代码"),
        "intro" => (
            "Fill in the first sheet only, one row per record, and keep its header row. qfb reads the first sheet; this sheet is ignored. Save as .xlsx and send it in the month's folder.",
            "只在第一个工作表中填写，每行一条记录，保留表头行。qfb 只读取第一个工作表，本说明页不会被读取。请另存为 .xlsx 并放入当月数据包。",
        ),
        _ => unreachable!("template word `{key}`"),
    };
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// The file stem of a table's template: its canonical name or its Chinese
/// name, both of which ingest recognises.
pub fn file_stem(table: &TableSchema, lang: Lang) -> &str {
    match lang {
        Lang::En => &table.table,
        Lang::Zh => &table.zh,
    }
}

/// A column's header in the template.
pub fn header(c: &Column, lang: Lang) -> &str {
    match lang {
        Lang::En => &c.name,
        Lang::Zh => &c.zh,
    }
}

/// The codes of a code column as the drop-down offers them.
pub fn choices(c: &Column, config: &Config, lang: Lang) -> Vec<String> {
    match c.ty {
        ColumnType::Code => config
            .code_list(c.codes.as_deref().unwrap_or(""))
            .unwrap_or_default()
            .into_iter()
            .map(|(code, zh)| if lang == Lang::Zh { zh } else { code }.to_string())
            .collect(),
        ColumnType::Bool => vec![word(lang, "yes").into(), word(lang, "no").into()],
        _ => Vec::new(),
    }
}

/// The column's rule in words: type, whether required, range and order.
pub fn rule(c: &Column, table: &TableSchema, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let other = |name: &str| table.column(name).map(|o| header(o, lang).to_string()).unwrap_or_default();
    let mut parts = vec![match c.ty {
        ColumnType::String => {
            (if zh { "文本（首尾空格会去除）" } else { "text (surrounding spaces are trimmed)" }).into()
        }
        ColumnType::Text => (if zh { "任意文本" } else { "any text" }).into(),
        ColumnType::Code => (if zh { "从下拉列表选择" } else { "choose from the drop-down list" }).into(),
        ColumnType::Date => (if zh { "日期 YYYY-MM-DD" } else { "date YYYY-MM-DD" }).into(),
        ColumnType::Datetime => {
            (if zh { "日期时间 YYYY-MM-DD HH:MM" } else { "date and time YYYY-MM-DD HH:MM" }).into()
        }
        ColumnType::Bool => (if zh { "是 / 否" } else { "yes / no" }).into(),
        ColumnType::Int => match (c.min, c.max) {
            (Some(a), Some(b)) => format!("{} {a}–{b}", if zh { "整数" } else { "whole number" }),
            (Some(a), None) => format!("{} ≥ {a}", if zh { "整数" } else { "whole number" }),
            _ => (if zh { "整数" } else { "whole number" }).into(),
        },
        ColumnType::Money => (if zh {
            "金额（元），≥ 0，最多两位小数"
        } else {
            "amount in yuan, ≥ 0, at most 2 decimals"
        })
        .into(),
        ColumnType::Month => {
            (if zh { "月份，文本 YYYY-MM，例如 2026-09" } else { "month as text YYYY-MM, e.g. 2026-09" }).into()
        }
    }];
    parts.push(if c.required {
        (if zh { "必填" } else { "required" }).to_string()
    } else {
        (if zh { "选填" } else { "optional" }).to_string()
    });
    if let Some(d) = &c.default {
        parts.push(format!("{} {d}", if zh { "空白时默认" } else { "default when empty:" }));
    }
    if let Some(o) = &c.not_before {
        parts.push(format!("{} {}", if zh { "不早于" } else { "not before" }, other(o)));
    }
    if let Some(o) = &c.required_if {
        parts.push(format!("{} {}", if zh { "填写后必填：" } else { "required when filled:" }, other(o)));
    }
    if let Some(o) = &c.only_if {
        parts.push(format!("{} {}", if zh { "仅当为是：" } else { "only when yes:" }, other(o)));
    }
    if c.personal {
        parts.push((if zh { "个人信息，报表中打码显示" } else { "personal data, masked in every output" }).into());
    }
    parts.join(if zh { "；" } else { "; " })
}

/// The validation of a column's data cells, if its type has one.
fn validation(
    c: &Column,
    col: u16,
    table: &TableSchema,
    config: &Config,
    lang: Lang,
) -> Result<Option<DataValidation>, XlsxError> {
    let first = ExcelDateTime::from_ymd(FIRST_YEAR, 1, 1)?;
    let last = ExcelDateTime::from_ymd(LAST_YEAR, 12, 31)?.and_hms(23, 59, 59)?;
    let dv = match c.ty {
        ColumnType::Code | ColumnType::Bool => {
            let list = choices(c, config, lang);
            let refs: Vec<&str> = list.iter().map(String::as_str).collect();
            DataValidation::new().allow_list_strings(&refs)?
        }
        ColumnType::Date | ColumnType::Datetime => {
            DataValidation::new().allow_date(DataValidationRule::Between(first, last))
        }
        ColumnType::Money => DataValidation::new().allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0)),
        ColumnType::Int => {
            let clamp =
                |v: Option<i64>, d: i32| v.map(|v| v.clamp(i32::MIN as i64, i32::MAX as i64) as i32).unwrap_or(d);
            DataValidation::new()
                .allow_whole_number(DataValidationRule::Between(clamp(c.min, 0), clamp(c.max, i32::MAX)))
        }
        // Seven characters with a dash after the year; written for the
        // first data cell, Excel applies it relative to each cell.
        ColumnType::Month => {
            let cell = format!("{}2", rust_xlsxwriter::column_number_to_name(col));
            DataValidation::new().allow_custom(Formula::new(format!("=AND(LEN({cell})=7,MID({cell},5,1)=\"-\")")))
        }
        ColumnType::String | ColumnType::Text => return Ok(None),
    };
    let title: String = header(c, lang).chars().take(32).collect();
    let message: String = rule(c, table, lang).chars().take(255).collect();
    Ok(Some(dv.set_input_title(title)?.set_input_message(message)?.ignore_blank(true)))
}

/// The number format of a column's data cells.
fn cell_format(c: &Column) -> Format {
    match c.ty {
        ColumnType::Date => Format::new().set_num_format("yyyy-mm-dd"),
        ColumnType::Datetime => Format::new().set_num_format("yyyy-mm-dd hh:mm"),
        ColumnType::Money => Format::new().set_num_format("0.00"),
        ColumnType::Int => Format::new().set_num_format("0"),
        // Text, so that a spreadsheet does not turn 2026-09 into a date or
        // a serial's leading zeros into a number.
        _ => Format::new().set_num_format("@"),
    }
}

/// One table's template workbook.
pub fn workbook(table: &TableSchema, config: &Config, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    // A fixed creation time: the same configuration gives the same bytes.
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new().set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?),
    );
    let head = Format::new().set_bold().set_background_color("DDEBF7").set_border(FormatBorder::Thin);
    let data = wb.add_worksheet();
    data.set_name(word(lang, "data"))?;
    data.set_freeze_panes(1, 0)?;
    for (i, c) in table.columns.iter().enumerate() {
        let col = i as u16;
        let name = header(c, lang);
        let head = if c.required { head.clone().set_font_color("C00000") } else { head.clone() };
        data.write_with_format(0, col, name, &head)?;
        data.set_column_width(col, (name.chars().count() as f64 * 2.0).clamp(12.0, 40.0))?;
        data.set_column_format(col, &cell_format(c))?;
        data.insert_note(0, col, &Note::new(rule(c, table, lang)).add_author_prefix(false))?;
        if let Some(dv) = validation(c, col, table, config, lang)? {
            data.add_data_validation(1, col, LAST_ROW, col, &dv)?;
        }
    }
    instructions(wb.add_worksheet(), table, config, lang, &head)?;
    wb.save_to_buffer()
}

/// The second sheet: every column with its rule, then every code list the
/// table uses with both names.
fn instructions(
    ws: &mut Worksheet,
    table: &TableSchema,
    config: &Config,
    lang: Lang,
    head: &Format,
) -> Result<(), XlsxError> {
    ws.set_name(word(lang, "instructions"))?;
    ws.write(0, 0, word(lang, "intro"))?;
    let mut row = 2;
    for (i, h) in ["column", "zh", "required", "rule"].iter().enumerate() {
        ws.write_with_format(row, i as u16, word(lang, h), head)?;
    }
    for c in &table.columns {
        row += 1;
        ws.write(row, 0, &c.name)?;
        ws.write(row, 1, &c.zh)?;
        ws.write(row, 2, word(lang, if c.required { "yes" } else { "no" }))?;
        ws.write(row, 3, rule(c, table, lang))?;
    }
    for c in table.columns.iter().filter(|c| c.ty == ColumnType::Code) {
        row += 2;
        ws.write_with_format(row, 0, format!("{}: {} / {}", word(lang, "codes"), c.name, c.zh), head)?;
        row += 1;
        ws.write_with_format(row, 0, word(lang, "code"), head)?;
        ws.write_with_format(row, 1, word(lang, "zh"), head)?;
        for (code, zh) in config.code_list(c.codes.as_deref().unwrap_or("")).unwrap_or_default() {
            row += 1;
            ws.write(row, 0, code)?;
            ws.write(row, 1, zh)?;
        }
    }
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 16)?;
    ws.set_column_width(3, 80)?;
    Ok(())
}
