// dnagrad: one header for embedding the whole library.
#pragma once
#include "autograd/ops.h"
#include "autograd/tensor.h"
#include "core/array.h"
#include "core/rng.h"
#include "core/threads.h"
#include "genomics/models/promoter.h"
#include "nn/checkpoint.h"
#include "nn/inference.h"
#include "nn/layers.h"
#include "nn/module.h"
#include "nn/optim.h"
#include "nn/scheduler.h"
