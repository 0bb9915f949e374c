# Install rules and the CMake package config (find_package(dnagrad) -> dnagrad::dnagrad).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS dnagrad EXPORT dnagradTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(dir core autograd kernels nn genomics)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/dnagrad/${dir}
    FILES_MATCHING PATTERN "*.h")
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/dnagrad.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/dnagrad)
install(EXPORT dnagradTargets NAMESPACE dnagrad:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dnagrad)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/dnagradConfig.cmake.in
  ${PROJECT_BINARY_DIR}/dnagradConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dnagrad)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/dnagradConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/dnagradConfig.cmake ${PROJECT_BINARY_DIR}/dnagradConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dnagrad)
