//! The demo district's past: the three quarters before the current one (in the fourth quarter,
//! the first three of the year), written as the bureau's ledger spreadsheet and loaded the way a
//! bureau going live loads its paper ledger (ImportPastLedger). Each enterprise keeps a quarterly
//! self-check round with its own findings planned, fixed and verified; about half are inspected
//! each quarter, the inspectors ordering rectification, verifying it (or rejecting a false
//! rectification first) and closing it out; the cold stores register and test their ammonia
//! alarms. Which enterprise does what follows fixed patterns, so every seeding writes the same
//! history relative to the day it runs.

use chrono::{Datelike, Days, Months, NaiveDate};
use hl_proto::hazards::v1 as pb;
use hl_proto::responsibility::v1::Industry;
use tonic::Status;

use super::{Demo, DemoEnterprise, ENTERPRISES, Who, photo};

/// The columns the demo's ledger uses, in the bureau's names.
const COLUMNS: &[&str] = &[
    "记录类型",
    "编号",
    "统一社会信用代码",
    "步骤",
    "日期",
    "经办人",
    "角色",
    "来源",
    "排查类型",
    "类别",
    "等级",
    "判定依据",
    "部位",
    "描述",
    "整改措施",
    "责任人",
    "资金(元)",
    "整改期限",
    "验收标准",
    "验收人",
    "文书编号",
    "治理目标任务",
    "治理方法措施",
    "经费物资",
    "机构人员",
    "时限要求",
    "安全措施应急预案",
    "说明",
    "证据",
    "对应编号",
    "自查开始",
    "自查结束",
    "检查表",
    "无隐患",
    "装置类型",
    "结果",
    "检测机构",
    "证书编号",
    "一般隐患数",
    "重大隐患数",
    "已整改数",
];

/// What an inspection or a self-check of an industry typically finds: category, place, finding.
fn typical_findings(industry: Industry) -> &'static [(&'static str, &'static str, &'static str)] {
    match industry {
        Industry::AmmoniaRefrigeration => &[
            ("涉氨制冷", "氨机房", "液氨管道保温层破损结霜"),
            ("涉氨制冷", "速冻间", "氨气浓度报警探头未定期校验"),
            ("电气", "配电房", "配电柜前未铺设绝缘垫"),
        ],
        Industry::ShipbuildingAndRepair => &[
            ("动火", "船台", "动火作业票未注明监护人"),
            ("吊装", "龙门吊", "吊钩防脱装置失效"),
            ("临时用电", "船坞", "临时电缆拖地敷设未架空"),
        ],
        Industry::FillingStation => &[
            ("消防", "加油区", "灭火毯缺失"),
            ("危险化学品", "卸油口", "卸油口未上锁"),
        ],
        Industry::OilDepot | Industry::HazardousChemicals => &[
            ("危险化学品", "储罐区", "防火堤排水阀常开"),
            ("消防", "泡沫站", "泡沫液超过有效期"),
        ],
        Industry::Homestay => &[
            ("消防", "楼梯间", "应急照明灯损坏"),
            ("燃气", "厨房", "燃气软管超期未更换"),
        ],
        Industry::NonCoalMine => &[
            ("矿山", "东采场", "安全平台宽度不足"),
            ("矿山", "炸药库", "库房防雷检测超期"),
        ],
        Industry::Fireworks => &[
            ("危险化学品", "仓储间", "未设置防静电设施"),
            ("消防", "店面", "灭火器数量不足"),
        ],
        _ => &[
            ("机械", "冲压车间", "冲床光电保护装置失效"),
            ("电气", "车间", "私拉乱接电线"),
        ],
    }
}

/// The ledger spreadsheet being written.
struct Ledger {
    rows: Vec<Vec<String>>,
    year: i32,
}

impl Ledger {
    /// One step: record type, number, enterprise, step, day, who, and the step's own columns.
    fn step(
        &mut self,
        (record, number, enterprise): (&str, &str, &DemoEnterprise),
        step: &str,
        day: NaiveDate,
        who: Who,
        cells: &[(&str, String)],
    ) {
        let (handler, role) = match who {
            Who::Enterprise(_) => (format!("principal-{}", &enterprise.code[12..]), "企业"),
            Who::Inspector => ("officer-zhang-wei".to_string(), "检查员"),
            Who::Administrator => ("admin-putuo".to_string(), "局"),
        };
        let mut row = vec![String::new(); COLUMNS.len()];
        let mut set = |column: &str, value: String| {
            let position = COLUMNS
                .iter()
                .position(|known| *known == column)
                .unwrap_or_else(|| panic!("the demo ledger has a {column} column"));
            row[position] = value;
        };
        set("记录类型", record.to_string());
        set("编号", number.to_string());
        set("统一社会信用代码", enterprise.code.to_string());
        set("步骤", step.to_string());
        set("日期", day.to_string());
        set("经办人", handler);
        set("角色", role.to_string());
        for (column, value) in cells {
            set(column, value.clone());
        }
        self.rows.push(row);
    }

    /// A self-check entry: found in the round, planned, fixed and verified by the enterprise;
    /// a late one is fixed after its deadline.
    fn self_check_entry(
        &mut self,
        index: usize,
        number: &str,
        round: &str,
        found: NaiveDate,
        finding: (&str, &str, &str),
        late: bool,
    ) {
        let enterprise = &ENTERPRISES[index];
        let who = Who::Enterprise(index);
        let hazard = ("隐患", number, enterprise);
        let (category, place, description) = finding;
        self.step(
            hazard,
            "上报",
            found,
            who,
            &[
                ("来源", "企业自查".into()),
                ("类别", category.into()),
                ("等级", "一般".into()),
                ("判定依据", "企业隐患分级标准".into()),
                ("部位", place.into()),
                ("描述", description.into()),
            ],
        );
        self.step(
            ("自查", round, enterprise),
            "发现",
            found,
            who,
            &[("对应编号", number.into())],
        );
        let deadline = found + Days::new(14);
        self.step(
            hazard,
            "整改计划",
            found,
            who,
            &[
                ("整改措施", format!("{description}：立即整改")),
                ("责任人", "安全员".into()),
                ("资金(元)", "2000".into()),
                ("整改期限", deadline.to_string()),
                ("验收标准", "符合相关标准".into()),
                ("验收人", "企业主要负责人".into()),
            ],
        );
        let fixed = found + Days::new(if late { 20 } else { 10 });
        self.step(
            hazard,
            "整改完成",
            fixed,
            who,
            &[("证据", evidence(number))],
        );
        self.step(hazard, "验收", fixed + Days::new(1), who, &[]);
        self.step(hazard, "销号", fixed + Days::new(1), who, &[]);
    }

    /// A government finding: ordered, rectified, (for a false rectification, rejected and
    /// rectified again,) verified and closed out by the inspector.
    fn government_finding(
        &mut self,
        index: usize,
        number: &str,
        found: NaiveDate,
        finding: (&str, &str, &str),
        rejected_first: bool,
        cites: Option<&str>,
    ) {
        let enterprise = &ENTERPRISES[index];
        let hazard = ("隐患", number, enterprise);
        let (category, place, description) = finding;
        self.step(
            hazard,
            "上报",
            found,
            Who::Inspector,
            &[
                ("来源", "执法检查".into()),
                ("类别", category.into()),
                ("等级", "一般".into()),
                ("判定依据", "一般事故隐患 (16号令 第三条)".into()),
                ("部位", place.into()),
                ("描述", description.into()),
                // The inspector found what the enterprise had itself reported: the pair.
                ("对应编号", cites.unwrap_or_default().into()),
            ],
        );
        self.step(
            hazard,
            "责令整改",
            found,
            Who::Inspector,
            &[
                (
                    "文书编号",
                    format!("（普）应急责改〔{}〕{}号", self.year, self.rows.len()),
                ),
                ("整改期限", (found + Days::new(20)).to_string()),
                ("整改措施", "限期整改到位".into()),
            ],
        );
        let who = Who::Enterprise(index);
        self.step(
            hazard,
            "整改完成",
            found + Days::new(15),
            who,
            &[("证据", evidence(number))],
        );
        let mut verified = found + Days::new(18);
        if rejected_first {
            self.step(
                hazard,
                "退回",
                verified,
                Who::Inspector,
                &[
                    ("说明", "复查发现整改不到位".into()),
                    ("整改期限", (found + Days::new(35)).to_string()),
                ],
            );
            self.step(
                hazard,
                "整改完成",
                found + Days::new(30),
                who,
                &[("证据", evidence(number))],
            );
            verified = found + Days::new(33);
        }
        self.step(
            hazard,
            "验收",
            verified,
            Who::Inspector,
            &[("说明", "验收合格".into())],
        );
        self.step(hazard, "销号", verified, Who::Inspector, &[]);
    }

    /// The mine's major hazard of the first quarter: ordered, a 治理方案, rectified, verified.
    fn major_finding(&mut self, index: usize, number: &str, found: NaiveDate) {
        let enterprise = &ENTERPRISES[index];
        let hazard = ("隐患", number, enterprise);
        self.step(
            hazard,
            "上报",
            found,
            Who::Inspector,
            &[
                ("来源", "执法检查".into()),
                ("排查类型", "专家诊断".into()),
                ("类别", "矿山".into()),
                ("等级", "重大".into()),
                ("判定依据", "《金属非金属矿山重大事故隐患判定标准》".into()),
                ("部位", "北采场".into()),
                ("描述", "未按设计分台阶开采，形成高陡边坡".into()),
            ],
        );
        self.step(
            hazard,
            "责令整改",
            found,
            Who::Inspector,
            &[
                (
                    "文书编号",
                    format!("（普）应急责改〔{}〕{}号", self.year, self.rows.len()),
                ),
                ("整改期限", (found + Days::new(40)).to_string()),
                ("整改措施", "停止作业，按设计削坡分台阶".into()),
            ],
        );
        let who = Who::Enterprise(index);
        self.step(
            hazard,
            "治理方案",
            found + Days::new(3),
            who,
            &[
                ("治理目标任务", "消除高陡边坡".into()),
                ("治理方法措施", "削坡减载，分台阶开采".into()),
                ("经费物资", "专项资金 80 万元".into()),
                ("机构人员", "矿长牵头，技术负责人实施".into()),
                ("时限要求", "40 日内完成".into()),
                ("安全措施应急预案", "设置警戒区，落实边坡监测".into()),
            ],
        );
        self.step(
            hazard,
            "整改完成",
            found + Days::new(35),
            who,
            &[("证据", evidence(number))],
        );
        self.step(
            hazard,
            "验收",
            found + Days::new(45),
            Who::Inspector,
            &[("说明", "专家复核合格".into())],
        );
        self.step(hazard, "销号", found + Days::new(45), Who::Inspector, &[]);
    }
}

/// A photo of the fix, by its stand-in hash.
fn evidence(number: &str) -> String {
    format!("{}:image/jpeg", photo(number).sha256)
}

/// The first day of the quarter `date` is in.
fn quarter_start(date: NaiveDate) -> NaiveDate {
    let month = (date.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(date.year(), month, 1).expect("the first of a month")
}

/// The ledger of the three quarters before the one `today` is in.
fn ledger(today: NaiveDate) -> Ledger {
    let current = quarter_start(today);
    let mut ledger = Ledger {
        rows: Vec::new(),
        year: today.year(),
    };
    for back in (1..=3u32).rev() {
        let start = current - Months::new(3 * back);
        let end = start + Months::new(3) - Days::new(1);
        let tag = format!("{}Q{}", start.year(), start.month0() / 3 + 1);
        for (index, enterprise) in ENTERPRISES.iter().enumerate() {
            quarter_of(
                &mut ledger,
                index,
                enterprise,
                (start, end),
                (&tag, back == 3, today),
            );
        }
    }
    ledger
}

/// One enterprise's quarter, and the fixed pattern that decides what happens in it.
struct Quarter<'a> {
    index: usize,
    enterprise: &'a DemoEnterprise,
    start: NaiveDate,
    end: NaiveDate,
    /// e.g. 2026Q1, in the numbers of the quarter's records.
    tag: &'a str,
    pattern: usize,
    /// About one round in seven is never kept: the quarter shows as a missed self-check, and its
    /// statistics are not filed either.
    keeps_its_ledger: bool,
    own_findings: usize,
}

impl Quarter<'_> {
    fn day(&self, offset: u64) -> NaiveDate {
        self.start + Days::new(offset)
    }

    fn tail(&self) -> &str {
        &self.enterprise.code[12..]
    }

    fn who(&self) -> Who {
        Who::Enterprise(self.index)
    }

    /// A typical finding of the enterprise's industry. Each quarter's findings are in another
    /// part of the site, so a finding does not recur.
    fn finding(&self, choice: usize) -> (&'static str, String, &'static str) {
        let findings = typical_findings(self.enterprise.industries[0]);
        let (category, place, description) = findings[choice % findings.len()];
        let area = ["东区", "西区", "北区", "南区"][self.start.month0() as usize / 3];
        (category, format!("{area}{place}"), description)
    }
}

/// One enterprise's quarter.
fn quarter_of(
    ledger: &mut Ledger,
    index: usize,
    enterprise: &DemoEnterprise,
    (start, end): (NaiveDate, NaiveDate),
    (tag, first_quarter, today): (&str, bool, NaiveDate),
) {
    let pattern = index * 3 + start.month0() as usize / 3;
    let quarter = Quarter {
        index,
        enterprise,
        start,
        end,
        tag,
        pattern,
        keeps_its_ledger: pattern % 7 != 5,
        own_findings: [1, 2, 0, 1, 2, 1, 0][pattern % 7],
    };
    let industries = enterprise.industries;
    if first_quarter && industries.contains(&Industry::AmmoniaRefrigeration) {
        ledger.alarm_device(&quarter);
    }
    if quarter.keeps_its_ledger {
        ledger.self_check_round(&quarter);
    }
    // Every other enterprise is inspected each quarter.
    if pattern.is_multiple_of(2) {
        ledger.inspection(&quarter);
    }
    if first_quarter && industries.contains(&Industry::NonCoalMine) && index.is_multiple_of(2) {
        ledger.major_finding(
            index,
            &format!("{}-{tag}-M", quarter.tail()),
            quarter.day(20),
        );
    }
    // The quarter's statistics, filed in the first days of the next quarter (once those have
    // come).
    if quarter.keeps_its_ledger && end + Days::new(5) < today {
        ledger.statistics(&quarter);
    }
}

impl Ledger {
    /// An ammonia alarm registered and tested.
    fn alarm_device(&mut self, quarter: &Quarter<'_>) {
        let tail = quarter.tail();
        let number = format!("BJ-{tail}-1");
        let device = ("报警装置", number.as_str(), quarter.enterprise);
        self.step(
            device,
            "登记",
            quarter.day(3),
            quarter.who(),
            &[
                ("装置类型", "氨气浓度报警器".into()),
                ("部位", "氨机房".into()),
            ],
        );
        self.step(
            device,
            "检测",
            quarter.day(4),
            quarter.who(),
            &[
                ("结果", "合格".into()),
                ("检测机构", "舟山市计量测试所".into()),
                ("证书编号", format!("JL-{tail}")),
                ("证据", evidence(&number)),
            ],
        );
    }

    /// The quarter's self-check round with the enterprise's own findings.
    fn self_check_round(&mut self, quarter: &Quarter<'_>) {
        let round = format!("ZC-{}-{}", quarter.tail(), quarter.tag);
        let record = ("自查", round.as_str(), quarter.enterprise);
        let opened = quarter.day(2 + quarter.index as u64 % 5);
        self.step(
            record,
            "开始",
            opened,
            quarter.who(),
            &[
                ("自查开始", quarter.start.to_string()),
                ("自查结束", quarter.end.to_string()),
                ("检查表", "企业隐患自查清单".into()),
            ],
        );
        for entry in 0..quarter.own_findings {
            let found = quarter.day(7 + 9 * entry as u64 + quarter.index as u64 % 3);
            let (category, place, description) = quarter.finding(quarter.pattern + entry);
            let number = format!("{}-{}-S{}", quarter.tail(), quarter.tag, entry + 1);
            let late = (quarter.pattern + entry).is_multiple_of(5);
            self.self_check_entry(
                quarter.index,
                &number,
                &round,
                found,
                (category, &place, description),
                late,
            );
        }
        let zero = if quarter.own_findings == 0 {
            "是"
        } else {
            "否"
        };
        let submitted = quarter.end - Days::new(2);
        self.step(
            record,
            "提交",
            submitted,
            quarter.who(),
            &[("无隐患", zero.into())],
        );
    }

    /// A government inspection's finding. Where the enterprise found the same thing itself
    /// first, the inspector pairs the two; otherwise its self-check missed it.
    fn inspection(&mut self, quarter: &Quarter<'_>) {
        let pattern = quarter.pattern;
        let matched = quarter.keeps_its_ledger && quarter.own_findings > 0 && pattern % 4 != 2;
        let choice = if matched {
            pattern
        } else {
            pattern + quarter.own_findings
        };
        let (category, place, description) = quarter.finding(choice);
        let number = format!("{}-{}-G", quarter.tail(), quarter.tag);
        let own = format!("{}-{}-S1", quarter.tail(), quarter.tag);
        self.government_finding(
            quarter.index,
            &number,
            quarter.day(40 + quarter.index as u64 % 10),
            (category, &place, description),
            pattern % 8 == 2,
            matched.then_some(own.as_str()),
        );
    }

    /// The quarter's periodic statistics, filed five days after it ended.
    fn statistics(&mut self, quarter: &Quarter<'_>) {
        let number = format!(
            "{}Q{}",
            quarter.start.year(),
            quarter.start.month0() / 3 + 1
        );
        let found = quarter.own_findings.to_string();
        self.step(
            ("统计", &number, quarter.enterprise),
            "报送",
            quarter.end + Days::new(5),
            quarter.who(),
            &[
                ("一般隐患数", found.clone()),
                ("重大隐患数", "0".into()),
                ("已整改数", found),
                ("说明", "本季度自查发现的隐患均已整改".into()),
            ],
        );
    }
}

/// The ledger as CSV.
fn csv_bytes(ledger: &Ledger) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = COLUMNS.iter().map(|column| column.to_string()).collect();
    for row in std::iter::once(&header).chain(&ledger.rows) {
        writer.write_record(row).expect("writing CSV to memory");
    }
    writer.into_inner().expect("writing CSV to memory")
}

impl Demo {
    /// Loads the district's past ledger as the bureau administrator; the number of hazards in
    /// it.
    pub(super) async fn seed_history(&mut self) -> Result<usize, Status> {
        let ledger = ledger(self.today());
        let hazards = ledger
            .rows
            .iter()
            .filter(|row| row[0] == "隐患" && row[3] == "上报")
            .count();
        let request = pb::ImportPastLedgerRequest {
            request_id: self.next_request_id(),
            file: csv_bytes(&ledger),
            format: pb::LedgerFileFormat::Csv as i32,
            ..Default::default()
        };
        self.hazards
            .import_past_ledger(self.request(request, Who::Administrator))
            .await?;
        self.hazards_reported += hazards;
        Ok(hazards)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rounds_kept(ledger: &Ledger) -> usize {
        ledger.rows.iter().filter(|row| row[3] == "开始").count()
    }

    #[test]
    fn the_history_covers_the_three_quarters_before_the_current_one() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let ledger = ledger(today);
        let days: Vec<NaiveDate> = ledger
            .rows
            .iter()
            .map(|row| row[4].parse().unwrap())
            .collect();
        assert_eq!(
            days.iter().min(),
            Some(&NaiveDate::from_ymd_opt(2026, 1, 3).unwrap())
        );
        // Only the last quarter's statistics are filed in the current one.
        let in_current_quarter =
            |day: &&NaiveDate| **day >= NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert!(
            days.iter()
                .filter(in_current_quarter)
                .all(|day| day.month() == 10)
        );
        let statistics = ledger.rows.iter().filter(|row| row[0] == "统计").count();
        assert_eq!(statistics, rounds_kept(&ledger));
        let rounds = ledger.rows.iter().filter(|row| row[3] == "开始").count();
        assert!(rounds > 25 && rounds < 36, "{rounds} rounds");
        let rejected = ledger.rows.iter().filter(|row| row[3] == "退回").count();
        assert!(rejected > 0, "some rectifications are false");
    }

    #[test]
    fn in_the_first_quarter_the_history_reaches_into_last_year() {
        let today = NaiveDate::from_ymd_opt(2027, 2, 10).unwrap();
        let ledger = ledger(today);
        assert!(ledger.rows.iter().any(|row| row[4].starts_with("2026-04")));
        assert!(ledger.rows.iter().all(|row| row[4].as_str() < "2027-01-06"));
    }
}
