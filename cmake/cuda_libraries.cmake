# NVIDIA's libraries next to the CUDA backend, included from the top CMakeLists.txt once the CUDA
# toolkit is found (DNAGRAD_WITH_CUDA):
#
#   cuBLAS  GEMM for Linear/matmul on the GPU (kernels/cuda/matmul.cu), linked into the library.
#           Sets DNAGRAD_CUBLAS_LINK (CUDA::cublas, or a library path); DNAGRAD_CUBLAS_FOUND.
#   cuDNN   the REFERENCE our Conv1d/BatchNorm/pooling kernels are tested and benchmarked against
#           (kernels/cudnn/, target dnagrad_cudnn, linked only by tests/ and bench/, never by the
#           library). Optional: without it those tests and bench columns compile out.
#           Sets DNAGRAD_WITH_CUDNN, DNAGRAD_CUDNN_INCLUDE_DIR, DNAGRAD_CUDNN_LIBRARY.
#
# Where they are looked for, in order:
#   1. DNAGRAD_CUDNN_ROOT (cache variable or environment), CUDNN_ROOT / CUDNN_PATH (environment):
#      a folder with include/cudnn.h and lib/ (or lib64/) libcudnn.so*;
#   2. the CUDA toolkit's include and library folders, then /usr and /usr/local;
#   3. the nvidia/ packages of a Python environment (pip's nvidia-cudnn-cu12/cu13 and
#      nvidia-cublas wheels): the site-packages of DNAGRAD_PYTHON (default: python3 on PATH).
#      This is how a GPU machine whose toolkit lacks cuDNN finds the copy PyTorch installed.

set(DNAGRAD_CUDNN_ROOT "$ENV{DNAGRAD_CUDNN_ROOT}" CACHE PATH
    "Folder with include/cudnn.h and lib/libcudnn.so* (the cuDNN reference of tests and bench)")
set(DNAGRAD_PYTHON "" CACHE FILEPATH
    "Python whose site-packages/nvidia/ may hold cuDNN/cuBLAS wheels (default: python3 on PATH)")

# ---- the nvidia/ folders of a Python environment's site-packages ------------------------------
set(dnagrad_python_nvidia_dirs)
set(dnagrad_python "${DNAGRAD_PYTHON}")
if(NOT dnagrad_python)
  find_program(dnagrad_python3_on_path NAMES python3)
  set(dnagrad_python "${dnagrad_python3_on_path}")
endif()
if(dnagrad_python)
  execute_process(
    COMMAND "${dnagrad_python}" -c
      "import site, sys; print(';'.join(site.getsitepackages() + [site.getusersitepackages()] + sys.path))"
    OUTPUT_VARIABLE dnagrad_site_dirs OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE dnagrad_python_status ERROR_QUIET)
  if(dnagrad_python_status EQUAL 0)
    foreach(dir IN LISTS dnagrad_site_dirs)
      if(dir AND IS_DIRECTORY "${dir}/nvidia")
        list(APPEND dnagrad_python_nvidia_dirs "${dir}/nvidia")
      endif()
    endforeach()
    list(REMOVE_DUPLICATES dnagrad_python_nvidia_dirs)
  endif()
endif()

# ---- cuBLAS ---------------------------------------------------------------------------------
set(DNAGRAD_CUBLAS_FOUND OFF)
if(TARGET CUDA::cublas)
  set(DNAGRAD_CUBLAS_LINK CUDA::cublas)
  set(DNAGRAD_CUBLAS_FOUND ON)
  message(STATUS "dnagrad: cuBLAS (Linear/matmul on the GPU) from the CUDA toolkit")
else()
  set(cublas_roots)
  foreach(nvidia_dir IN LISTS dnagrad_python_nvidia_dirs)
    list(APPEND cublas_roots "${nvidia_dir}/cu${CUDAToolkit_VERSION_MAJOR}" "${nvidia_dir}/cublas")
  endforeach()
  foreach(root IN LISTS cublas_roots)
    unset(dnagrad_cublas_header CACHE)
    unset(dnagrad_cublas_lib CACHE)
    find_path(dnagrad_cublas_header cublas_v2.h PATHS "${root}/include" NO_DEFAULT_PATH)
    find_library(dnagrad_cublas_lib
      NAMES cublas libcublas.so.${CUDAToolkit_VERSION_MAJOR}
      PATHS "${root}/lib" NO_DEFAULT_PATH)
    if(dnagrad_cublas_header AND dnagrad_cublas_lib)
      # A plain path (not an imported target), so the installed package still links it.
      set(DNAGRAD_CUBLAS_LINK "${dnagrad_cublas_lib}")
      set(DNAGRAD_CUBLAS_INCLUDE_DIR "${dnagrad_cublas_header}")
      set(DNAGRAD_CUBLAS_FOUND ON)
      message(STATUS "dnagrad: cuBLAS (Linear/matmul on the GPU) from ${dnagrad_cublas_lib}")
      break()
    endif()
  endforeach()
endif()

# ---- cuDNN (reference only) -------------------------------------------------------------------
set(DNAGRAD_WITH_CUDNN OFF)
set(cudnn_roots)
foreach(root "${DNAGRAD_CUDNN_ROOT}" "$ENV{CUDNN_ROOT}" "$ENV{CUDNN_PATH}")
  if(root)
    list(APPEND cudnn_roots "${root}")
  endif()
endforeach()
get_filename_component(dnagrad_cuda_root "${CUDAToolkit_LIBRARY_DIR}" DIRECTORY)
list(APPEND cudnn_roots "${dnagrad_cuda_root}" "${CUDAToolkit_LIBRARY_ROOT}" /usr /usr/local)
foreach(nvidia_dir IN LISTS dnagrad_python_nvidia_dirs)
  list(APPEND cudnn_roots "${nvidia_dir}/cudnn")
endforeach()
list(REMOVE_DUPLICATES cudnn_roots)

# Header and library from the same root, so that their versions agree. Searched afresh at every
# configure, so a changed DNAGRAD_CUDNN_ROOT takes effect.
set(DNAGRAD_CUDNN_INCLUDE_DIR "")
set(DNAGRAD_CUDNN_LIBRARY "")
foreach(root IN LISTS cudnn_roots)
  unset(dnagrad_cudnn_header CACHE)
  unset(dnagrad_cudnn_lib CACHE)
  find_path(dnagrad_cudnn_header cudnn.h PATHS "${root}/include" NO_DEFAULT_PATH)
  find_library(dnagrad_cudnn_lib NAMES cudnn libcudnn.so.9 libcudnn.so.8 PATHS "${root}"
    PATH_SUFFIXES lib lib64 lib/x86_64-linux-gnu lib/aarch64-linux-gnu NO_DEFAULT_PATH)
  if(dnagrad_cudnn_header AND dnagrad_cudnn_lib)
    set(DNAGRAD_CUDNN_INCLUDE_DIR "${dnagrad_cudnn_header}")
    set(DNAGRAD_CUDNN_LIBRARY "${dnagrad_cudnn_lib}")
    break()
  endif()
endforeach()
unset(dnagrad_cudnn_header CACHE)
unset(dnagrad_cudnn_lib CACHE)

if(DNAGRAD_CUDNN_INCLUDE_DIR AND DNAGRAD_CUDNN_LIBRARY)
  set(version_header "${DNAGRAD_CUDNN_INCLUDE_DIR}/cudnn_version.h")
  if(NOT EXISTS "${version_header}")
    set(version_header "${DNAGRAD_CUDNN_INCLUDE_DIR}/cudnn.h")
  endif()
  file(STRINGS "${version_header}" cudnn_version_lines REGEX "#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) ")
  set(cudnn_major 0)
  set(cudnn_minor 0)
  set(cudnn_patch 0)
  foreach(line IN LISTS cudnn_version_lines)
    if(line MATCHES "CUDNN_MAJOR ([0-9]+)")
      set(cudnn_major ${CMAKE_MATCH_1})
    elseif(line MATCHES "CUDNN_MINOR ([0-9]+)")
      set(cudnn_minor ${CMAKE_MATCH_1})
    elseif(line MATCHES "CUDNN_PATCHLEVEL ([0-9]+)")
      set(cudnn_patch ${CMAKE_MATCH_1})
    endif()
  endforeach()
  if(cudnn_major GREATER_EQUAL 8)
    set(DNAGRAD_WITH_CUDNN ON)
    set(DNAGRAD_CUDNN_VERSION "${cudnn_major}.${cudnn_minor}.${cudnn_patch}")
    message(STATUS "dnagrad: cuDNN ${DNAGRAD_CUDNN_VERSION} reference (tests, bench kernels only): "
      "${DNAGRAD_CUDNN_LIBRARY}")
  else()
    message(STATUS "dnagrad: cuDNN at ${DNAGRAD_CUDNN_INCLUDE_DIR} is version ${cudnn_major}, "
      "need 8 or newer: the cuDNN reference tests and bench columns are compiled out")
  endif()
else()
  message(STATUS "dnagrad: cuDNN not found: the cuDNN reference tests and the cuDNN columns of "
    "`dnagrad bench kernels` are compiled out (point DNAGRAD_CUDNN_ROOT at a folder with "
    "include/cudnn.h and lib/libcudnn.so*, or DNAGRAD_PYTHON at a Python with nvidia-cudnn)")
endif()
