"""The known tune the audio tests hum (a module of its own name: ``conftest`` is a name every test folder
has, and which one ``from conftest import`` finds depends on what was collected first)."""

TUNE = [(67, 1.0), (64, 0.5), (65, 0.5), (67, 1.0), (72, 1.0), (71, 1.0), (69, 1.0), (67, 2.0)]
"""A known 8-note tune in C major (G E F G C' B A G): pitches and lengths in beats."""
