# faults.disk_full: scoring's store on a small loop-mounted ext4 image that
# fills up: takes are refused (UNAVAILABLE, exit 75), scoring stays up, and
# ingest resumes without a restart once space is freed. Skips (77) where
# the kernel or the user may not mount a loop device.
add_test(NAME faults.disk_full
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/disk_full_test.py
                 ${CMAKE_BINARY_DIR})
set_tests_properties(faults.disk_full PROPERTIES TIMEOUT 300 LABELS faults SKIP_RETURN_CODE 77)
