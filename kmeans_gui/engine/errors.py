"""Domain errors: each carries one sentence a user can act on."""


class KMeansInputError(ValueError):
    """The data or the parameters cannot be clustered as asked (bad shape, NaN, k too large...)."""


class DeviceError(RuntimeError):
    """The requested compute device does not exist on this machine."""
