#!/usr/bin/env bash
# Debian packages partita uses: FluidSynth and the General MIDI soundfont (audio), chromium (the studio's
# browser test, driven by Playwright; never `playwright install`, which downloads a browser of its own), and a
# small CJK font (WenQuanYi Micro Hei) so that Chinese captions show in the headless browser and its screenshots.
# Installed when missing and we are root; otherwise we print the one line to run and carry on without them.
set -u
need=()
command -v fluidsynth >/dev/null 2>&1 || need+=(fluidsynth)
[ -e /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || [ -e /usr/share/sounds/sf2/default-GM.sf2 ] || need+=(fluid-soundfont-gm)
[ -x /usr/lib/chromium/chromium ] || need+=(chromium)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ] || need+=(fonts-dejavu-core)  # pinyin ǎ ǐ ǒ ǔ in engraved PNGs
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "partita: installing ${need[*]} (Debian) for audio rendering and the browser test"
  (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null) \
    || echo "partita: could not install ${need[*]}; audio rendering or the browser test will be unavailable"
else
  echo "partita: audio rendering and the studio's browser test need: sudo apt-get install ${need[*]}"
  echo "partita: carrying on without them"
fi
exit 0
