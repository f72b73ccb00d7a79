"""The insurers, in one place: who insures each bank's cardholders, where to report, how to
claim (the volunteers' manual, chapter 5) and what the basic cover pays."""

from __future__ import annotations

from dataclasses import dataclass

BENEFITS: tuple[tuple[str, str], ...] = (
    ("意外身故", "100,000 元"),
    ("意外残疾", "100,000 元"),
    ("意外医疗", "5,000 元"),
)
BENEFITS_NOTE = (
    "零免赔额，100% 比例赔付；承保范围覆盖全国；保障志愿者开展志愿服务期间，"
    "包括志愿服务活动前后的必要交通时间。"
)

_HOSPITAL = "到事故发生地就近的乙方认可的二级或以上公立医院进行医疗救护"


@dataclass(frozen=True)
class Insurer:
    bank: str
    code: str  # as in POLICY files (bank-interface.md 4.4)
    name: str
    report_phone: str
    claim_steps: tuple[str, ...]
    mailing_address: str

    def as_dict(self) -> dict:
        return {
            "bank": self.bank,
            "code": self.code,
            "name": self.name,
            "report_phone": self.report_phone,
            "claim_steps": list(self.claim_steps),
            "mailing_address": self.mailing_address,
            "benefits": [{"item": k, "amount": v} for k, v in BENEFITS],
            "benefits_note": BENEFITS_NOTE,
        }


INSURERS: dict[str, Insurer] = {
    "BOC": Insurer(
        bank="BOC",
        code="BOCINS",
        name="中银保险",
        report_phone="95566",
        claim_steps=(
            f"被保险人拨打 95566 报案，由中银保险与客户联系后，客户{_HOSPITAL}；",
            "整个医疗救护结束后，被保险人本人将相关资料寄至中银保险安徽分公司理赔部；",
            "中银保险安徽分公司收到材料后，第一时间联系被保险人确定赔款等事宜，直至理赔结束。",
        ),
        mailing_address=(
            "中银保险安徽分公司理赔部：合肥市宁国南路工大西门建筑设计院群楼，"
            "收件部门及人员：理赔服务部黄云飞，手机 13721028172，固定电话 0551-64681279，"
            "邮编 230001"
        ),
    ),
    "ICBC": Insurer(
        bank="ICBC",
        code="ICBCAXA",
        name="工银安盛",
        report_phone="95359",
        claim_steps=(
            f"被保险人拨打 95359 报案，由工银安盛保险与客户联系后，客户{_HOSPITAL}；",
            "整个医疗救护结束后，可下载“满 e 保”APP，通过团险自助理赔通道申请"
            "（疑问可咨询团险业务部王彬宇 020-38959675、彭艺怡 020-38959673）；",
            "或由本人将相关资料寄至工银安盛广东分公司团险部。",
        ),
        mailing_address=(
            "工银安盛广东分公司团险部：广州市天河区珠江新城花城大道 18 号建滔广场 1402，"
            "收件部门及人员：团险业务部王彬宇 020-38959675、彭艺怡 020-38959673，邮编 510623"
        ),
    ),
    "CEB": Insurer(
        bank="CEB",
        code="SUNLIFE",
        name="光大永明人寿",
        report_phone="95105698",
        claim_steps=(
            f"被保险人拨打 95105698 报案，由光大永明人寿与客户联系后，客户{_HOSPITAL}；",
            "整个医疗救护结束后，被保险人本人将相关资料寄至光大永明人寿保险有限公司广东分公司"
            "团险业务部；",
            "光大永明人寿收到材料后，第一时间联系被保险人确定赔款等事宜，直至理赔结束。",
        ),
        mailing_address=(
            "光大永明人寿保险有限公司广东分公司团险业务部：广州市越秀区东风中路 350 号"
            "瑞兴大厦 22 楼，收件部门及人员：团险业务部麦少然 020-83963328-70206538，"
            "邮编 510040"
        ),
    ),
}
INSURER_BY_CODE: dict[str, Insurer] = {i.code: i for i in INSURERS.values()}


def insurer_for_bank(bank: str) -> Insurer | None:
    return INSURERS.get(bank)
