"""kmeans-gui: watch k-means work, iteration by iteration, on a TensorFlow engine."""

__version__ = "0.1.0"
