"""Readings pypinyin gets wrong in lyrics and poems, and words with a light (neutral) syllable: data only.

pypinyin reads a character outside its phrase dictionary by its first reading, and its phrase dictionary
leaves out every word whose reading is its characters' first readings; so a single 长 is zhang3, a single
得 de2, a single 子 zi5, 两只 zhi3, and 喜欢 xi3 huan1 (no light tone). :data:`WORDS` are words read as
written here, citation tones (before sandhi: 一 yi1, 不 bu4), 5 for a light syllable, a space between
syllables. Written from standard Putonghua readings (the Xiandai Hanyu Cidian's); the sandhi is applied
afterwards by :mod:`partita.lyrics.mandarin`. :data:`SINGLE` is the reading of a character standing alone
(not inside a word of pypinyin's dictionary or of :data:`WORDS`) where pypinyin's first reading is the rarer
one in songs.
"""

from __future__ import annotations

_WORDS = """
长大 zhang3 da4|成长 cheng2 zhang3|生长 sheng1 zhang3|增长 zeng1 zhang3|助长 zhu4 zhang3|长辈 zhang3 bei4
长老 zhang3 lao3|长者 zhang3 zhe3|长官 zhang3 guan1|长子 zhang3 zi3|长女 zhang3 nv3|长孙 zhang3 sun1
长兄 zhang3 xiong1|长进 zhang3 jin4|长相 zhang3 xiang4|家长 jia1 zhang3|校长 xiao4 zhang3|班长 ban1 zhang3
部长 bu4 zhang3|市长 shi4 zhang3|村长 cun1 zhang3|队长 dui4 zhang3|组长 zu3 zhang3|院长 yuan4 zhang3
厂长 chang3 zhang3|船长 chuan2 zhang3|团长 tuan2 zhang3|师长 shi1 zhang3|首长 shou3 zhang3
兄长 xiong1 zhang3|学长 xue2 zhang3|会长 hui4 zhang3|社长 she4 zhang3|局长 ju2 zhang3|县长 xian4 zhang3
长出 zhang3 chu1|长高 zhang3 gao1|长满 zhang3 man3|长得 zhang3 de5|长成 zhang3 cheng2
土生土长 tu3 sheng1 tu3 zhang3|游子 you2 zi3|天子 tian1 zi3|学子 xue2 zi3|才子 cai2 zi3|赤子 chi4 zi3
浪子 lang4 zi3|孔子 kong3 zi3|孟子 meng4 zi3|庄子 zhuang1 zi3|太子 tai4 zi3|王子 wang2 zi3|公子 gong1 zi3
男子 nan2 zi3|瓜子 gua1 zi3|棋子 qi2 zi3|莲子 lian2 zi3|父子 fu4 zi3|母子 mu3 zi3|臣子 chen2 zi3
子夜 zi3 ye4|子规 zi3 gui1|朝辞 zhao1 ci2|朝发 zhao1 fa1|朝如 zhao1 ru2|朝朝 zhao1 zhao1|朝暮 zhao1 mu4
朝夕 zhao1 xi1|朝露 zhao1 lu4|朝气 zhao1 qi4|明朝 ming2 zhao1|一朝 yi1 zhao1|朝来 zhao1 lai2|归还 gui1 huan2
偿还 chang2 huan2|还给 huan2 gei3|还乡 huan2 xiang1|还家 huan2 jia1|还原 huan2 yuan2|生还 sheng1 huan2
返还 fan3 huan2|还钱 huan2 qian2|还债 huan2 zhai4|交还 jiao1 huan2|退还 tui4 huan2|两行 liang3 hang2
几行 ji3 hang2|千行 qian1 hang2|数行 shu4 hang2|行列 hang2 lie4|排行 pai2 hang2|内行 nei4 hang2
外行 wai4 hang2|行家 hang2 jia1|一行白鹭 yi1 hang2 bai2 lu4|万重 wan4 chong2|千重 qian1 chong2
几重 ji3 chong2|九重 jiu3 chong2|重来 chong2 lai2|重回 chong2 hui2|重返 chong2 fan3|重见 chong2 jian4
重现 chong2 xian4|重生 chong2 sheng1|重阳 chong2 yang2|重唱 chong2 chang4|重聚 chong2 ju4|重拾 chong2 shi2
重游 chong2 you2|重归 chong2 gui1|重开 chong2 kai1|重叠 chong2 die2|化为 hua4 wei2|变为 bian4 wei2
认为 ren4 wei2|以为 yi3 wei2|称为 cheng1 wei2|视为 shi4 wei2|名为 ming2 wei2|为难 wei2 nan2|为止 wei2 zhi3
行为 xing2 wei2|无为 wu2 wei2|身为 shen1 wei2|沦为 lun2 wei2|结为 jie2 wei2|乐声 yue4 sheng1|奏乐 zou4 yue4
乐音 yue4 yin1|乐手 yue4 shou3|乐师 yue4 shi1|乐坛 yue4 tan2|乐章 yue4 zhang1|乐团 yue4 tuan2|乐谱 yue4 pu3
仙乐 xian1 yue4|鼓乐 gu3 yue4|配乐 pei4 yue4|声乐 sheng1 yue4|器乐 qi4 yue4|民乐 min2 yue4|古乐 gu3 yue4
管乐 guan3 yue4|礼乐 li3 yue4|不得了 bu4 de2 liao3|了却 liao3 que4|了结 liao3 jie2|了然 liao3 ran2
了无 liao3 wu2|了了 liao3 liao3|一了百了 yi1 liao3 bai3 liao3|没完没了 mei2 wan2 mei2 liao3
受得了 shou4 de5 liao3|忘得了 wang4 de5 liao3|得到 de2 dao4|得意 de2 yi4|得失 de2 shi1|得知 de2 zhi1
得以 de2 yi3|得罪 de2 zui4|得分 de2 fen1|得胜 de2 sheng4|得救 de2 jiu4|得手 de2 shou3|得志 de2 zhi4
获得 huo4 de2|取得 qu3 de2|赢得 ying2 de2|难得 nan2 de2|求得 qiu2 de2|博得 bo2 de2|换得 huan4 de2
心得 xin1 de2|所得 suo3 de2|自得 zi4 de2|不得 bu4 de2|得不到 de2 bu5 dao4|舍不得 she3 bu5 de5
怪不得 guai4 bu5 de5|巴不得 ba1 bu5 de5|恨不得 hen4 bu5 de5|记不得 ji4 bu5 de5|顾不得 gu4 bu5 de5
不停地 bu4 ting2 de5|尽情地 jin4 qing2 de5|努力地 nu3 li4 de5|拼命地 pin1 ming4 de5|大声地 da4 sheng1 de5
轻声地 qing1 sheng1 de5|温柔地 wen1 rou2 de5|安静地 an1 jing4 de5|用心地 yong4 xin1 de5|默默地 mo4 mo4 de5
真心地 zhen1 xin1 de5|认真地 ren4 zhen1 de5|勇敢地 yong3 gan3 de5|两只 liang3 zhi1|几只 ji3 zhi1
三只 san1 zhi1|四只 si4 zhi1|五只 wu3 zhi1|每只 mei3 zhi1|只身 zhi1 shen1|数一数 shu3 yi1 shu3
数不清 shu3 bu5 qing1|数不尽 shu3 bu5 jin4|数不完 shu3 bu5 wan2|数星星 shu3 xing1 xing5|数着 shu3 zhe5
数落 shu3 luo5|种树 zhong4 shu4|种田 zhong4 tian2|种地 zhong4 di4|种下 zhong4 xia4|耕种 geng1 zhong4
种菜 zhong4 cai4|倒影 dao4 ying3|倒映 dao4 ying4|倒是 dao4 shi4|倒退 dao4 tui4|倒流 dao4 liu2|倒数 dao4 shu3
反倒 fan3 dao4|倒也 dao4 ye3|倒满 dao4 man3|倒酒 dao4 jiu3|倒茶 dao4 cha2|白发 bai2 fa4|黑发 hei1 fa4
长发 chang2 fa4|短发 duan3 fa4|秀发 xiu4 fa4|鬓发 bin4 fa4|华发 hua2 fa4|散发 san4 fa1|发丝 fa4 si1
理发 li3 fa4|剪发 jian3 fa4|白发苍苍 bai2 fa4 cang1 cang1|明朝散发 ming2 zhao1 san4 fa4|缘分 yuan2 fen4
过分 guo4 fen4|本分 ben3 fen4|天分 tian1 fen4|名分 ming2 fen4|情分 qing2 fen4|露出 lou4 chu1|露面 lou4 mian4
露脸 lou4 lian3|落下 luo4 xia4|一觉 yi1 jiao4|午觉 wu3 jiao4|统一 tong3 yi1|唯一 wei2 yi1|万一 wan4 yi1
专一 zhuan1 yi1|逐一 zhu2 yi1|之一 zhi1 yi1|如一 ru2 yi1|合一 he2 yi1|划一 hua4 yi1|归一 gui1 yi1
初一 chu1 yi1|第一 di4 yi1|独一无二 du2 yi1 wu2 er4|始终如一 shi3 zhong1 ru2 yi1|对不起 dui4 bu5 qi3
来不及 lai2 bu5 ji2|了不起 liao3 bu5 qi3|受不了 shou4 bu5 liao3|忘不了 wang4 bu5 liao3
少不了 shao3 bu5 liao3|免不了 mian3 bu5 liao3|看不见 kan4 bu5 jian4|听不见 ting1 bu5 jian4
看不清 kan4 bu5 qing1|说不出 shuo1 bu5 chu1|离不开 li2 bu5 kai1|差不多 cha4 bu5 duo1|想不到 xiang3 bu5 dao4
想不起 xiang3 bu5 qi3|睡不着 shui4 bu5 zhao2|放不下 fang4 bu5 xia4|忘不掉 wang4 bu5 diao4
留不住 liu2 bu5 zhu4|抓不住 zhua1 bu5 zhu4|回不去 hui2 bu5 qu4|等不及 deng3 bu5 ji2|看不起 kan4 bu5 qi3
比不上 bi3 bu5 shang4|跟不上 gen1 bu5 shang4|忍不住 ren3 bu5 zhu4|挡不住 dang3 bu5 zhu4|禁不住 jin1 bu5 zhu4
用不着 yong4 bu5 zhao2|说不定 shuo1 bu5 ding4|喜欢 xi3 huan5|朋友 peng2 you5|东西 dong1 xi5|明白 ming2 bai5
衣服 yi1 fu5|耳朵 er3 duo5|姑娘 gu1 niang5|漂亮 piao4 liang5|头发 tou2 fa5|眼睛 yan3 jing5|时候 shi2 hou5
知道 zhi1 dao5|告诉 gao4 su5|月亮 yue4 liang5|太阳 tai4 yang5|晚上 wan3 shang5|早上 zao3 shang5
事情 shi4 qing5|认识 ren4 shi5|清楚 qing1 chu5|舒服 shu1 fu5|意思 yi4 si5|故事 gu4 shi5|窗户 chuang1 hu5
尾巴 wei3 ba5|嘴巴 zui3 ba5|脑袋 nao3 dai5|心里 xin1 li5|石头 shi2 tou5|木头 mu4 tou5|骨头 gu3 tou5
念头 nian4 tou5|馒头 man2 tou5|回来 hui2 lai5|起来 qi3 lai5|出来 chu1 lai5|过来 guo4 lai5|进来 jin4 lai5
下来 xia4 lai5|上来 shang4 lai5|出去 chu1 qu5|回去 hui2 qu5|进去 jin4 qu5|下去 xia4 qu5|上去 shang4 qu5
地方 di4 fang5|名字 ming2 zi5|日子 ri4 zi5|样子 yang4 zi5|影子 ying3 zi5|房子 fang2 zi5|孩子 hai2 zi5
个子 ge4 zi5|辈子 bei4 zi5|一辈子 yi1 bei4 zi5|先生 xian1 sheng5|我们 wo3 men5|你们 ni3 men5|他们 ta1 men5
她们 ta1 men5|咱们 zan2 men5|人们 ren2 men5|什么 shen2 me5|怎么 zen3 me5|这么 zhe4 me5|那么 na4 me5
多么 duo1 me5|为什么 wei4 shen2 me5|热闹 re4 nao5|商量 shang1 liang5|觉得 jue2 de5|记得 ji4 de5
懂得 dong3 de5|值得 zhi2 de5|晓得 xiao3 de5|舍得 she3 de5|显得 xian3 de5|变得 bian4 de5|过得 guo4 de5
活得 huo2 de5|爱得 ai4 de5|休息 xiu1 xi5|消息 xiao1 xi5|打扮 da3 ban5|收拾 shou1 shi5|暖和 nuan3 huo5
凉快 liang2 kuai5|快活 kuai4 huo5|老虎 lao3 hu3|老鼠 lao3 shu3|展览 zhan3 lan3|水果 shui3 guo3|雨伞 yu3 san3
所以 suo3 yi3|手指 shou3 zhi3|理解 li3 jie3|小鸟 xiao3 niao3|保管 bao3 guan3|古老 gu3 lao3|领导 ling3 dao3
海岛 hai3 dao3|偶尔 ou3 er3|有点 you3 dian3|洗澡 xi3 zao3|起点 qi3 dian3|整理 zheng3 li3|演讲 yan3 jiang3
勇敢 yong3 gan3|好久 hao3 jiu3|流血 liu2 xue4|种瓜 zhong4 gua1|返景 fan3 ying3|做得到 zuo4 de5 dao4
听得到 ting1 de5 dao4|看得到 kan4 de5 dao4|找得到 zhao3 de5 dao4
小姐 xiao3 jie5|哪里 na3 li5|姐夫 jie3 fu5|马虎 ma3 hu5|打点 da3 dian5
"""

WORDS: dict[str, tuple[str, ...]] = {
    w: tuple(p.split())
    for w, p in (item.split(" ", 1) for item in _WORDS.replace("\n", "|").split("|") if item)
}
"""Word -> its syllables with tone numbers, citation tones, 5 for a light syllable."""

KIN = frozenset("妈爸哥姐弟妹爷奶姥叔伯舅婶姑婆公宝娃星")
"""A doubled one of these is a word whose second syllable is light (妈妈 ma1 ma5, 星星 xing1 xing5)."""
VERB_DOUBLE = frozenset("想走等找讲写看听说试谈问洗摸玩唱坐躺歇尝读聊笑抱摇拍吹")
"""A doubled one of these (not three in a row, not AABB as 走走停停) is a verb tried once, its second syllable
light: 想想 xiang3 xiang5 (heard xiang2 xiang5, :data:`NO_LIGHT_SANDHI`), 看看 kan4 kan5."""
NO_LIGHT_SANDHI = frozenset(["耳朵", "马虎"])
"""Words whose tone 3 stays before a light syllable that is a tone 3 of its own (ěr duo, mǎ hu), as the
doubled kin words (姐姐 jiě jie, 奶奶) and the suffix 子 (椅子 yǐ zi) do; elsewhere the first becomes a tone
2 (小姐 xiáo jie, 哪里 ná li, 想想 xiáng xiang)."""

SINGLE: dict[str, str] = {"长": "chang2", "喽": "lou5", "咯": "lo5"}
"""A character standing alone: its reading in songs where pypinyin's first reading is the rarer one (a single
长 is 'long' far more often than 'grow', whose words are in :data:`WORDS`; the particles 喽, 咯 are
light)."""
COMPLEMENT = frozenset("很太好真多更越那这不快慢满像如够清见着完起住出上下远近高低深浅美累痛久早晚非十格一")
"""得 before one of these, after a verb or adjective, is the complement particle de5 (跑得快, 爱得那么深);
else de2 (报得三春晖), or dei3 'must' after a pronoun (我得走)."""
PRONOUNS = frozenset("我你他她它咱您")
DE2_AFTER = frozenset("报安何争获取赢换博求落难可应习所")
"""得 after one of these is the verb de2 'get' (报得, 安得, 争得), as in the poems."""

DIGITS = frozenset("〇零一二三四五六七八九十")
"""Numerals: 一 among them keeps its first tone (十一 shi2 yi1, 一九四九)."""
NUMBERS_BEFORE_MEASURE = frozenset("一二两三四五六七八九十几每半")
"""A numeral (or 每, 几) before 只 makes it the measure word zhi1 (两只老虎)."""
REDUPLICATED_ADVERB_PARTICLE = "地"
"""In XX地 (慢慢地, 轻轻地) 地 is the adverbial particle de5."""
