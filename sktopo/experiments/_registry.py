"""The experiments `sktopo reproduce` knows, in the paper's order, and the call that runs one."""

from ._dynamics import training_dynamics
from ._generalization import generalization_measure
from ._mnist_cifar import cifar_layers, mnist_first_layer, mnist_second_layer
from ._priors import boosted_training, cross_domain
from ._priors_benchmark import priors_benchmark
from ._vgg import vgg_layers
from ._zoo import generalization_zoo

#: Experiment name -> function ``f(*, scale, data_home, random_state, verbose, **options)``
#: returning an :class:`ExperimentResult`.
EXPERIMENTS = {
    "mnist_first_layer": mnist_first_layer,
    "mnist_second_layer": mnist_second_layer,
    "cifar_layers": cifar_layers,
    "training_dynamics": training_dynamics,
    "vgg_layers": vgg_layers,
    "generalization_measure": generalization_measure,
    "generalization_zoo": generalization_zoo,
    "cross_domain": cross_domain,
    "boosted_training": boosted_training,
    "priors_benchmark": priors_benchmark,
}


def run_experiment(name, *, scale="small", data_home=None, options=None, random_state=0, verbose=1):
    """Run the experiment called ``name`` and return its :class:`ExperimentResult`.

    Parameters
    ----------
    name : str
        A key of :data:`EXPERIMENTS` (``sktopo reproduce list`` prints them).
    scale : {"tiny", "small", "paper"}, default="small"
        ``"tiny"`` runs in seconds (tests), ``"small"`` in CPU minutes, ``"paper"`` at the
        paper's scale (a GPU box, and the real data sets: it refuses without their files).
    data_home : str or Path, default=None
        Folder with dataset or weight files, for experiments that need them.
    options : dict of str to object, default=None
        Overrides of fields of the experiment's preset (``--set key=value`` on the command
        line); strings are converted by the field's type.
    random_state : int, default=0
        Seed.
    verbose : int, default=1
        Progress bars when positive.

    Returns
    -------
    ExperimentResult
    """
    if name not in EXPERIMENTS:
        raise ValueError(f"Unknown experiment {name!r}. Choose one of: {', '.join(EXPERIMENTS)}.")
    return EXPERIMENTS[name](
        scale=scale, data_home=data_home, random_state=random_state, verbose=verbose,
        **(options or {}),
    )
