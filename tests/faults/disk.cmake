add_library(sos_eio_shim SHARED eio_shim.c)
target_link_libraries(sos_eio_shim PRIVATE ${CMAKE_DL_LIBS})
# a preloaded library must not pull in the sanitizer runtime a second time
target_compile_options(sos_eio_shim PRIVATE -fno-sanitize=all)
target_link_options(sos_eio_shim PRIVATE -fno-sanitize=all)
add_test(NAME faults.disk
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/disk_test.py ${CMAKE_BINARY_DIR})
set_tests_properties(faults.disk PROPERTIES TIMEOUT 300 LABELS faults)
