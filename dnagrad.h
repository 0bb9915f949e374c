// dnagrad: one header for embedding the whole library.
#pragma once
#include "autograd/ops.h"
#include "autograd/tensor.h"
#include "core/array.h"
#include "core/rng.h"
#include "core/threads.h"
