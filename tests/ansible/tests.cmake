# The ewoe.fleet Ansible collection (scripts/ansible): ansible-lint, and its controller side
# without DPUs. Its run against emulated DPUs is the lab's test_lab_ansible.
foreach(t test_ansible_lint test_ansible_mesh test_ansible_role)
  ewoe_shell_test(ansible/${t}.sh ansible)
endforeach()
