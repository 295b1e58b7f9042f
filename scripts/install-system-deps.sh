#!/usr/bin/env bash
# Debian packages partita uses for audio: FluidSynth and the General MIDI soundfont.
# Installed when missing and we are root; otherwise we print the one line to run and carry on without audio.
set -u
need=()
command -v fluidsynth >/dev/null 2>&1 || need+=(fluidsynth)
[ -e /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || [ -e /usr/share/sounds/sf2/default-GM.sf2 ] || need+=(fluid-soundfont-gm)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "partita: installing ${need[*]} (Debian) for audio rendering"
  (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null) \
    || echo "partita: could not install ${need[*]}; audio rendering will be unavailable"
else
  echo "partita: audio rendering needs: sudo apt-get install ${need[*]}"
  echo "partita: carrying on without audio"
fi
exit 0
