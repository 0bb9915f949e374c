# DNAGRAD_BLAS picks the single-precision and double-precision GEMM behind the CPU kernels
# (kernels/cpu/gemm.cpp):
#   AUTO      BLIS if found, else OpenBLAS, else Eigen's own product
#   BLIS      BLIS (Debian: libblis-serial-dev), an error when it is missing
#   OPENBLAS  OpenBLAS (Debian: libopenblas-serial-dev), an error when it is missing
#   OFF       Eigen's own product
# We look for the *serial* builds: dnagrad runs its own OpenMP threads around the GEMM calls, and
# a threaded BLAS inside them would nest a second thread pool. BLIS is preferred: it measured
# faster on the promoter model's conv shapes (bench/RESULTS.md) and its single-threaded build has
# one fixed blocking per CPU, so results are bitwise repeatable.
# Sets DNAGRAD_BLAS_VENDOR (BLIS, OPENBLAS or EIGEN), DNAGRAD_BLAS_INCLUDE_DIR and
# DNAGRAD_BLAS_LIBRARY.
set(DNAGRAD_BLAS "AUTO" CACHE STRING "GEMM library of the CPU kernels: AUTO, BLIS, OPENBLAS or OFF")
set_property(CACHE DNAGRAD_BLAS PROPERTY STRINGS AUTO BLIS OPENBLAS OFF)

set(_blas_arch_include /usr/include/${CMAKE_LIBRARY_ARCHITECTURE})
set(_blas_arch_lib /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE})

# dnagrad_find_blas(NAME HEADER LIBRARY SUBDIR): a cblas.h next to HEADER and libLIBRARY, in
# SUBDIR (Debian's layout) or in the usual places.
function(dnagrad_find_blas name header library subdir)
  find_path(DNAGRAD_${name}_INCLUDE_DIR NAMES ${header}
    HINTS ${_blas_arch_include}/${subdir} PATH_SUFFIXES ${subdir})
  find_library(DNAGRAD_${name}_LIBRARY NAMES ${library}
    HINTS ${_blas_arch_lib}/${subdir} PATH_SUFFIXES ${subdir})
  if(DNAGRAD_${name}_INCLUDE_DIR AND DNAGRAD_${name}_LIBRARY
     AND EXISTS ${DNAGRAD_${name}_INCLUDE_DIR}/cblas.h)
    set(DNAGRAD_${name}_FOUND ON PARENT_SCOPE)
  else()
    set(DNAGRAD_${name}_FOUND OFF PARENT_SCOPE)
  endif()
endfunction()

set(DNAGRAD_BLAS_VENDOR EIGEN)
if(DNAGRAD_BLAS STREQUAL "AUTO" OR DNAGRAD_BLAS STREQUAL "BLIS")
  dnagrad_find_blas(BLIS blis.h blis blis-serial)
  if(DNAGRAD_BLIS_FOUND)
    set(DNAGRAD_BLAS_VENDOR BLIS)
  elseif(DNAGRAD_BLAS STREQUAL "BLIS")
    message(FATAL_ERROR "DNAGRAD_BLAS=BLIS but BLIS was not found (Debian: libblis-serial-dev)")
  endif()
endif()
if(DNAGRAD_BLAS_VENDOR STREQUAL "EIGEN"
   AND (DNAGRAD_BLAS STREQUAL "AUTO" OR DNAGRAD_BLAS STREQUAL "OPENBLAS"))
  dnagrad_find_blas(OPENBLAS openblas_config.h openblas openblas-serial)
  if(DNAGRAD_OPENBLAS_FOUND)
    set(DNAGRAD_BLAS_VENDOR OPENBLAS)
  elseif(DNAGRAD_BLAS STREQUAL "OPENBLAS")
    message(FATAL_ERROR
      "DNAGRAD_BLAS=OPENBLAS but OpenBLAS was not found (Debian: libopenblas-serial-dev)")
  endif()
endif()
if(NOT DNAGRAD_BLAS STREQUAL "OFF" AND NOT DNAGRAD_BLAS MATCHES "^(AUTO|BLIS|OPENBLAS)$")
  message(FATAL_ERROR "DNAGRAD_BLAS must be AUTO, BLIS, OPENBLAS or OFF, not '${DNAGRAD_BLAS}'")
endif()
if(NOT DNAGRAD_BLAS_VENDOR STREQUAL "EIGEN")
  set(DNAGRAD_BLAS_INCLUDE_DIR ${DNAGRAD_${DNAGRAD_BLAS_VENDOR}_INCLUDE_DIR})
  set(DNAGRAD_BLAS_LIBRARY ${DNAGRAD_${DNAGRAD_BLAS_VENDOR}_LIBRARY})
  message(STATUS "dnagrad: CPU GEMM ${DNAGRAD_BLAS_VENDOR} (${DNAGRAD_BLAS_LIBRARY})")
else()
  message(STATUS "dnagrad: CPU GEMM Eigen's own product (DNAGRAD_BLAS=${DNAGRAD_BLAS})")
endif()
