"""Train the paper's CNNs through skorch and turn their weights into topology.

Architectures ``M(X, Y, Z)`` / ``C(X, Y, Z)``, fixed and appended filter banks, input pipelines,
:func:`make_net`, weight snapshots, training many networks, and the images-to-topology
meta-estimator :class:`WeightTopology`.
"""

from ._modules import (
    AppendedFilters,
    CifarPreprocess,
    CNet,
    Grayscale,
    MNet,
    SamePool2d,
    center_crop,
    per_image_standardization,
    random_crop_flip,
    to_grayscale,
)
from ._images import check_images, infer_input_shape
from ._callbacks import (
    AccuracyRecorder,
    DivergenceCheck,
    InputCheck,
    IterationCounter,
    IterationLimit,
    TopologyMonitor,
    TorchSeed,
    WeightSnapshots,
    training_iteration,
)
from ._evaluation import evaluate_accuracy, initial_weights, network_scores
from ._training import (
    FAMILY_DEFAULTS,
    BatchLoader,
    CrossEntropy,
    family_defaults,
    make_net,
    net_config,
    resolve_device,
)
from ._snapshots import (
    iterations_to_accuracy,
    load_snapshots,
    save_snapshots,
    snapshot_clouds,
)
from ._meta import WeightTopology
from ._prior import TopologyPriorNet, prior_penalty
from ._many import load_many, network_seed, train_many

__all__ = [
    "TopologyMonitor",
    "TopologyPriorNet",
    "prior_penalty",
    "FAMILY_DEFAULTS",
    "DivergenceCheck",
    "IterationCounter",
    "evaluate_accuracy",
    "initial_weights",
    "network_scores",
    "family_defaults",
    "training_iteration",
    "BatchLoader",
    "AccuracyRecorder",
    "WeightSnapshots",
    "WeightTopology",
    "infer_input_shape",
    "iterations_to_accuracy",
    "load_many",
    "load_snapshots",
    "network_seed",
    "save_snapshots",
    "snapshot_clouds",
    "train_many",
    "AppendedFilters",
    "CNet",
    "CifarPreprocess",
    "CrossEntropy",
    "Grayscale",
    "InputCheck",
    "IterationLimit",
    "MNet",
    "SamePool2d",
    "TorchSeed",
    "center_crop",
    "check_images",
    "make_net",
    "net_config",
    "per_image_standardization",
    "random_crop_flip",
    "resolve_device",
    "to_grayscale",
]
