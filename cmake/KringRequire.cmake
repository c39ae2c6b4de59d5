# Every build dependency is looked up here, and a missing one fails the configure with its name
# and the Debian package that provides it (deploy/dev.sh installs them all), so that no target
# or test is ever left out of a build unnoticed. tests/cmake/no_silent_guards_test.sh checks that
# no CMakeLists.txt looks a dependency up another way.

# find_package(<package> <args>...) or fail with `apt-get install <debian>`. A macro, so that the
# package's variables (e.g. Protobuf_PROTOC_EXECUTABLE) reach the caller's scope.
macro(kring_require_package package debian)
  find_package(${package} ${ARGN})
  if(NOT ${package}_FOUND)
    string(REPLACE ";" " " _kring_wanted "${package};${ARGN}")
    message(FATAL_ERROR "${_kring_wanted} is missing: apt-get install ${debian} "
      "(deploy/dev.sh installs it)")
  endif()
endmacro()

# pkg-config module <module> as the imported target PkgConfig::<prefix>, or fail.
macro(kring_require_pkg_config prefix module debian)
  pkg_check_modules(${prefix} IMPORTED_TARGET ${module})
  if(NOT ${prefix}_FOUND)
    message(FATAL_ERROR "${module} is missing: apt-get install ${debian} "
      "(deploy/dev.sh installs it)")
  endif()
endmacro()

# find_program into the cache variable <var>, or fail.
macro(kring_require_program var program debian)
  find_program(${var} ${program})
  if(NOT ${var})
    message(FATAL_ERROR "${program} is missing: apt-get install ${debian} "
      "(deploy/dev.sh installs it)")
  endif()
endmacro()

# find_program for a tool the build works without (it only makes it faster); says which way
# it went.
macro(kring_optional_program var program debian why)
  find_program(${var} ${program})
  if(${var})
    message(STATUS "${program}: ${${var}} (${why})")
  else()
    message(STATUS "${program} not found, building without it (optional: ${why}; "
      "apt-get install ${debian})")
  endif()
endmacro()
