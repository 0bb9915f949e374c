# ctest driver: installs this build into a scratch prefix, then configures, builds and runs
# examples/train_small against it with find_package(dnagrad). Any failing step fails the test.
# Called as: cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P example_project.cmake
function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${out}")
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${what} failed (${status}):\n${err}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
run_step("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
run_step("configure example" ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/train_small
  -B ${WORK_DIR}/build -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release)
run_step("build example" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run_step("run example" ${WORK_DIR}/build/train_small)
