# KVM usability probe, a 64 KiB firmware image for qemu-system-x86_64 -bios.
# Copies itself to RAM at 0x8000 (as real firmware does), enters protected mode, then long mode
# with identity-mapped 2 MiB pages, writes 16 MiB of RAM, and exits QEMU through isa-debug-exit
# (port 0xf4, value 0x10: QEMU exit status 33).
        .set    BASE, 0x8000
        .code16
        .text
start16:
        cli
        cld
        mov     $0xf000, %ax
        mov     %ax, %ds
        mov     $(BASE >> 4), %ax
        mov     %ax, %es
        xor     %si, %si
        xor     %di, %di
        mov     $(end - start16), %cx
        rep movsb
        ljmp    $(BASE >> 4), $(ram16 - start16)
ram16:
        mov     %cs, %ax
        mov     %ax, %ds
        lgdtl   (gdtr - start16)
        mov     %cr0, %eax
        or      $1, %eax
        mov     %eax, %cr0
        ljmpl   $0x08, $(BASE + pm32 - start16)

        .code32
pm32:
        mov     $0x18, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $0x1000, %edi        # PML4 0x1000, PDPT 0x2000, PD 0x3000
        xor     %eax, %eax
        mov     $(3 * 4096 / 4), %ecx
        rep stosl
        movl    $0x2003, 0x1000
        movl    $0x3003, 0x2000
        mov     $0x3000, %edi
        mov     $0x83, %eax          # present, writable, 2 MiB page
        mov     $64, %ecx            # 128 MiB identity-mapped
1:      mov     %eax, (%edi)
        add     $0x200000, %eax
        add     $8, %edi
        loop    1b
        mov     %cr4, %eax
        or      $0x20, %eax          # CR4.PAE
        mov     %eax, %cr4
        mov     $0x1000, %eax
        mov     %eax, %cr3
        mov     $0xc0000080, %ecx    # EFER
        rdmsr
        or      $0x100, %eax         # EFER.LME
        wrmsr
        mov     %cr0, %eax
        or      $0x80000000, %eax    # CR0.PG
        mov     %eax, %cr0
        ljmpl   $0x10, $(BASE + lm64 - start16)

        .code64
lm64:
        mov     $0x200000, %rdi
        mov     $(0x1000000 / 8), %rcx   # 16 MiB
        mov     $0x9e3779b97f4a7c15, %rax
2:      mov     %rax, (%rdi)
        add     %rdi, %rax
        add     $8, %rdi
        dec     %rcx
        jnz     2b
        mov     $0x10, %al
        out     %al, $0xf4
3:      hlt
        jmp     3b

        .p2align 3
gdt:    .quad   0
        .quad   0x00cf9a000000ffff   # 0x08: 32-bit code
        .quad   0x00af9a000000ffff   # 0x10: 64-bit code
        .quad   0x00cf92000000ffff   # 0x18: data
gdtr:   .word   gdtr - gdt - 1
        .long   BASE + gdt - start16
end:

        .code16
        .org    0xfff0
reset:  ljmp    $0xf000, $0
        .org    0x10000
