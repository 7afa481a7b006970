"""The experiments `sktopo reproduce` knows, in the paper's order."""

from ._dynamics import training_dynamics
from ._generalization import generalization_measure
from ._mnist_cifar import cifar_layers, mnist_first_layer, mnist_second_layer
from ._priors import boosted_training, cross_domain
from ._vgg import vgg_layers

EXPERIMENTS = {
    "mnist_first_layer": mnist_first_layer,
    "mnist_second_layer": mnist_second_layer,
    "cifar_layers": cifar_layers,
    "training_dynamics": training_dynamics,
    "vgg_layers": vgg_layers,
    "generalization_measure": generalization_measure,
    "cross_domain": cross_domain,
    "boosted_training": boosted_training,
}
