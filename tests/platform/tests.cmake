# The platform seam (fixture roots, fake runner) and the link layer (real kernel, own netns).

ewoe_unit_test(test_platform LABEL platform SOURCE platform/test_platform.c)
ewoe_unit_test(test_link LABEL link SOURCE platform/test_link.c)
ewoe_shell_test(platform/test_enable_offload.sh platform)
ewoe_shell_test(platform/test_upstream_offload.sh link)
