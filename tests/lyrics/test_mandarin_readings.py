"""Mandarin readings in context (heteronyms, light syllables) and tone sandhi (3-3, 一, 不): the melody
follows the surface tones (issue 25). Expected readings are standard Putonghua, written by hand."""

import pytest

from partita.generation.song import sing
from partita.lyrics import mandarin as M
from partita.lyrics import pooled_agreement, read_lyrics, tone_agreement

pytest.importorskip("pypinyin")


def surface(text: str) -> str:
    return " ".join(M.mandarin_pinyin(text))


def citation(text: str) -> str:
    return " ".join(M.mandarin_pinyin(text, surface=False))


@pytest.mark.parametrize(
    ("line", "reading"),
    [
        # 长: long (chang2) alone, grow / elder (zhang3) in its words
        ("这条路很长很长", "zhe4 tiao2 lu4 hen3 chang2 hen3 chang2"),
        ("校长在成长", "xiao4 zhang3 zai4 cheng2 zhang3"),
        ("他长得很高", "ta1 zhang3 de5 hen3 gao1"),
        # 行: xing2 walk, hang2 row
        ("银行门口的行人", "yin2 hang2 men2 kou3 de5 xing2 ren2"),
        ("两行泪流下来", "liang3 hang2 lei4 liu2 xia4 lai5"),
        ("一行白鹭上青天", "yi1 hang2 bai2 lu4 shang4 qing1 tian1"),
        # 重: zhong4 heavy, chong2 again / layers
        ("重新开始重要的事", "chong2 xin1 kai1 shi3 zhong4 yao4 de5 shi4"),
        ("轻舟已过万重山", "qing1 zhou1 yi3 guo4 wan4 chong2 shan1"),
        # 还: hai2 still, huan2 return
        ("你还是不明白", "ni3 hai2 shi4 bu4 ming2 bai2"),
        ("明月何时照我还", "ming2 yue4 he2 shi2 zhao4 wo3 huan2"),
        ("还我一片蓝天", "huan2 wo3 yi1 pian4 lan2 tian1"),
        # 得: de2 get, de5 complement particle, dei3 must
        ("我得到了你的心", "wo3 de2 dao4 le5 ni3 de5 xin1"),
        ("你唱得真好听", "ni3 chang4 de5 zhen1 hao3 ting1"),
        ("报得三春晖", "bao4 de2 san1 chun1 hui1"),
        ("我得走了", "wo3 dei3 zou3 le5"),
        # 着: zhe5 particle, zhao2 in 睡着 / 着急
        ("睡着了也想着你", "shui4 zhao2 le5 ye3 xiang3 zhe5 ni3"),
        ("着急的样子", "zhao2 ji2 de5 yang4 zi5"),
        # 为: wei4 for, wei2 become / be
        ("为了你我愿意", "wei4 le5 ni3 wo3 yuan4 yi4"),
        ("成为更好的自己", "cheng2 wei2 geng4 hao3 de5 zi4 ji3"),
        ("化为泥土", "hua4 wei2 ni2 tu3"),
        # 乐: le4 joy, yue4 music
        ("快乐的音乐", "kuai4 le4 de5 yin1 yue4"),
        ("仙乐风飘处处闻", "xian1 yue4 feng1 piao1 chu4 chu4 wen2"),
        # 了: le5 particle, liao3 in 了解 / 不得了; 的: de5, di2, di4
        ("他们说了解我", "ta1 men5 shuo1 liao3 jie3 wo3"),
        ("真是不得了", "zhen1 shi4 bu4 de2 liao3"),
        ("的确是我的目的", "di2 que4 shi4 wo3 de5 mu4 di4"),
        # others a song meets: 朝 zhao1 morning, 子 zi3 not a suffix, 地 de5, 只 zhi1, 景 ying3, 分 fen4
        ("朝辞白帝彩云间", "zhao1 ci2 bai2 di4 cai3 yun2 jian1"),
        ("游子身上衣", "you2 zi3 shen1 shang4 yi1"),
        ("慢慢地走", "man4 man4 de5 zou3"),
        ("两只老虎", "liang3 zhi1 lao3 hu3"),
        ("返景入深林", "fan3 ying3 ru4 shen1 lin2"),
        ("这是缘分", "zhe4 shi4 yuan2 fen4"),
        # light syllables
        ("妈妈喜欢我的朋友", "ma1 ma5 xi3 huan5 wo3 de5 peng2 you5"),
        ("看一看对不起", "kan4 yi5 kan4 dui4 bu5 qi3"),
    ],
)
def test_readings_in_context(line, reading):
    assert citation(line) == reading


@pytest.mark.parametrize(
    ("line", "reading"),
    [
        # third tone: 3-3 -> 2-3, cyclically over feet
        ("你好", "ni2 hao3"),
        ("展览馆", "zhan2 lan2 guan3"),  # [[展览]馆]
        ("纸老虎", "zhi3 lao2 hu3"),  # [纸[老虎]]
        ("老保管", "lao3 bao2 guan3"),
        ("保管好", "bao2 guan2 hao3"),
        ("我也想你", "wo2 ye3 xiang2 ni3"),  # (我也)(想你)
        ("雨伞", "yu2 san3"),
        ("好久不见", "hao2 jiu3 bu2 jian4"),
        # 一
        ("一定", "yi2 ding4"),
        ("一天", "yi4 tian1"),
        ("一年", "yi4 nian2"),
        ("一起", "yi4 qi3"),
        ("一个人", "yi2 ge4 ren2"),
        ("第一", "di4 yi1"),
        ("十一", "shi2 yi1"),
        ("统一", "tong3 yi1"),
        ("唯一的路", "wei2 yi1 de5 lu4"),
        ("一九四九", "yi1 jiu3 si4 jiu3"),
        ("一月", "yi1 yue4"),
        ("独一无二", "du2 yi1 wu2 er4"),
        ("一清二楚", "yi1 qing1 er4 chu3"),
        ("一不小心", "yi2 bu4 xiao3 xin1"),
        ("看一看", "kan4 yi5 kan4"),
        ("一步一步", "yi2 bu4 yi2 bu4"),
        # 不
        ("不是", "bu2 shi4"),
        ("不要", "bu2 yao4"),
        ("不好", "bu4 hao3"),
        ("不来", "bu4 lai2"),
        ("不一样", "bu4 yi2 yang4"),  # before 一 (yi1 underneath)
        ("好不好", "hao3 bu5 hao3"),
        ("对不起", "dui4 bu5 qi3"),
        ("我不", "wo3 bu4"),
        # light syllables stop the third-tone sandhi
        ("姐姐", "jie3 jie5"),
    ],
)
def test_surface_tones_after_sandhi(line, reading):
    assert surface(line) == reading


def test_phrases_are_cut_at_punctuation_and_spaces():
    assert surface("你，好") == "ni3 hao3"
    assert surface("你 好") == "ni3 hao3"
    assert surface("一，") == "yi1"


def test_reading_objects_and_tone_marks():
    r = M.mandarin_readings("一定")
    assert [(x.char, x.citation, x.tone, x.word) for x in r] == [("一", 1, 2, "一定"), ("定", 4, 4, "一定")]
    assert r[0].pinyin == "yi2" and r[0].citation_pinyin == "yi1" and r[0].marked == "yí"
    assert M.mandarin_pinyin("我们的歌", marks=True) == ["wǒ", "men", "de", "gē"]
    assert M.mandarin_pinyin("你好", marks=True) == ["ní", "hǎo"]
    assert M.tones_at("a一定") == {1: 2, 2: 4}
    assert M.tones_at("a一定", surface=False) == {1: 1, 2: 4}


def test_light_tones_ask_nothing_of_the_melody():
    assert M.preferred_directions(1, 5) == frozenset()
    assert M.preferred_directions(5, 1) == frozenset()
    assert M.preferred_directions(1, 5, light=False) == {M.DOWN}  # ReLyMe's own row
    assert tone_agreement([60, 64], [1, 5])["pairs"] == 0


def test_lyrics_carry_surface_tones():
    syllables = read_lyrics("一定不要走").syllables
    assert [s.tone for s in syllables] == [2, 4, 2, 4, 3]
    assert any("sandhi" in n for n in read_lyrics("你好").notes)


def test_the_melody_follows_the_surface_tones():
    """Sung with the surface tones, the melody agrees with what is heard more than sung with the citation
    tones (the readings before sandhi); development lines, not the benchmark's."""
    import dataclasses

    from partita.lyrics import Lyrics, Section

    text = "一定不要走\n不是一个人\n一切不会变\n不怕一万次\n你也不必说\n一路不回头"
    lyrics = read_lyrics(text)
    heard = [[s.tone for s in line.syllables] for line in lyrics.lines]
    written = [M.mandarin_tones(line.text, surface=False) for line in lyrics.lines]
    assert heard != written

    def sung_with(tone_lines):
        it = iter(tone_lines)
        sections = [
            Section(
                sec.label,
                tuple(
                    dataclasses.replace(
                        ln,
                        syllables=tuple(
                            dataclasses.replace(s, tone=t)
                            for s, t in zip(ln.syllables, next(it), strict=True)
                        ),
                    )
                    for ln in sec.lines
                ),
            )
            for sec in lyrics.sections
        ]
        song = sing(Lyrics(sections, lyrics.language), seed=2)
        out = []
        for li, tones in enumerate(heard):
            land = [n.pitch for n in song.notes if n.line == li and n.syllable is not None]
            out.append(tone_agreement(land, tones))
        return pooled_agreement(out)["agree"]

    assert sung_with(heard) >= sung_with(written) + 0.1
