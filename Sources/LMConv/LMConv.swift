/// swift-lmconv: the Locally Masked PixelCNN of "Locally Masked Convolution for Autoregressive Models"
/// (Ajay Jain, Pieter Abbeel, Deepak Pathak, UAI 2020, arXiv:2006.12486), built on PixelCNN++
/// (Salimans et al., ICLR 2017).
@_exported import LMConvTensor
