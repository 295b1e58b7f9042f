"""Pictures as input: a still image or a video read into features (light, colour, edges, motion, cuts).

The input layer beside score I/O (tests/test_layers.py): it imports only partita's lowest layers. What the
features become in music is the generation layer's (:mod:`partita.generation.picture`); scoring a whole video
is a pipeline (:mod:`partita.pipelines.picture`). No vision model is used: nothing here knows what a picture
shows, only how light, colourful, busy and moving it is.
"""

from partita.picture.image import MAX_IMAGE_PIXELS, ImageFeatures, frame_features, read_image_features
from partita.picture.video import MAX_VIDEO_SECONDS, Shot, VideoFeatures, read_video_features

__all__ = [
    "MAX_IMAGE_PIXELS",
    "MAX_VIDEO_SECONDS",
    "ImageFeatures",
    "Shot",
    "VideoFeatures",
    "frame_features",
    "read_image_features",
    "read_video_features",
]
