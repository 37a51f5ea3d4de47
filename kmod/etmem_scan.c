// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * etmem_scan: reports and clears the accessed bits of a process's page tables, in
 * etmem's idle_pages byte encoding, through the misc device /dev/etmem_scan.
 * The user-space interface is kmod/etmem_scan_uapi.h; docs/kmod.md explains it.
 *
 * Out of tree against a distribution kernel (Debian 6.12), so only exported symbols:
 *   - walk_page_range() is not exported to modules: the walk is our own
 *     pgd/p4d/pud/pmd/pte descent over the VMAs found with find_vma() under
 *     mmap_read_lock, the way mm/pagewalk.c does it.
 *   - __pte_offset_map_lock() is not exported: map_pte_locked() repeats it from
 *     inline helpers (RCU read lock, lockless PMD read, split PTE lock, PMD recheck),
 *     because a PTE table can be freed under mmap_read_lock (khugepaged retracting
 *     file THP tables frees them after an RCU grace period).
 *   - ptep/pmdp_test_and_clear_young() are out-of-line and unexported on x86: the
 *     same atomic test_and_clear_bit(_PAGE_BIT_ACCESSED) on the entry, under its lock.
 *   - flush_tlb_mm_range() is not exported: after a walk that cleared accessed bits we
 *     bump the mm's TLB generation and flush the CPUs running the target right now
 *     (flush_target_tlbs() says how), so no CPU keeps a stale TLB entry with the
 *     accessed bit set (x86 sets A only on a TLB fill; without the flush, later
 *     accesses go unseen).
 *   - pidfd_pid()/pidfd_get_task() are not exported: a pidfd is a file of pidfs
 *     (superblock magic PID_FS_MAGIC) whose inode's i_private is the struct pid (as
 *     pidfd_pid() reads it); get_pid_task() then gives the task.
 *   - mmu_notifier_clear_young() is not exported: secondary MMUs (KVM) are not asked,
 *     so a guest's accesses through EPT/NPT are not seen.
 * x86-64 only (the accessed-bit helpers above are x86's).
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/magic.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pgtable.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/tlbflush.h>

#include "etmem_scan_uapi.h"

#ifndef CONFIG_X86_64
#error "etmem_scan clears x86-64 page-table accessed bits directly"
#endif

/* One read() returns at most this much; it is walked into a kernel buffer while the
 * page tables are locked, then copied out after the locks are dropped. */
#define SCAN_BUF_SIZE (64 * 1024)
/* A SET_HVA record (9 bytes) plus the run byte after it. */
#define UNIT_ROOM 10
/* A PMD that changes under us (split, zapped, collapsed) is looked at this often. */
#define PTE_MAP_RETRIES 4

#define ALL_FLAGS (ETMEM_SCAN_HUGE_ONLY | ETMEM_SCAN_DIRTY | ETMEM_SCAN_NO_CLEAR)

struct scan_session {
	struct mutex lock;
	struct mm_struct *mm; /* mmgrab()ed: the struct stays, the address space may go */
	u32 flags;
	u64 start, end, next; /* end 0: the whole address space */
	u8 *buf;
};

/* State of one read(): the output buffer and where the walk is. */
struct walk {
	struct mm_struct *mm;
	u32 flags;
	u8 *buf;
	size_t len, cap;
	long last;             /* index of the last run byte, -1 after a SET_HVA */
	unsigned long cursor;  /* address the next run byte would start at */
	bool need_hva;         /* the first byte of every read() is a SET_HVA */
	bool cleared;          /* some accessed bit was cleared: flush TLBs */
	bool hugetlb;          /* the VMA being walked is hugetlb (2 MiB pages, PMD leaves) */
	unsigned long addr;    /* next address to scan: where the next read() resumes */
};

static bool room(const struct walk *w, size_t bytes)
{
	return w->cap - w->len >= bytes;
}

/* Appends one unit (a page or a PMD) of @type at @addr; the caller checked room(). */
static void put_unit(struct walk *w, unsigned int type, unsigned long addr, unsigned long size)
{
	if (w->need_hva || addr != w->cursor) {
		int i;

		w->buf[w->len++] = ETMEM_PIP_CMD_SET_HVA;
		for (i = 7; i >= 0; i--)
			w->buf[w->len++] = (u8)((u64)addr >> (8 * i));
		w->need_hva = false;
		w->last = -1;
	}
	if (w->last >= 0 && ETMEM_PIP_TYPE(w->buf[w->last]) == type && ETMEM_PIP_SIZE(w->buf[w->last]) < 15) {
		w->buf[w->last]++;
	} else {
		w->last = w->len;
		w->buf[w->len++] = ETMEM_PIP_COMPOSE(type, 1);
	}
	w->cursor = addr + size;
	w->addr = addr + size;
}

/* Not-present memory under a missing PTE table: whole aligned 2 MiB as PMD_HOLE, the
 * rest as PTE_HOLE.  Returns 1 when the buffer is full (w->addr says where). */
static int put_holes(struct walk *w, unsigned long addr, unsigned long end)
{
	while (addr < end) {
		if (!room(w, UNIT_ROOM))
			return 1;
		if (IS_ALIGNED(addr, PMD_SIZE) && end - addr >= PMD_SIZE) {
			put_unit(w, ETMEM_PMD_HOLE, addr, PMD_SIZE);
			addr += PMD_SIZE;
		} else {
			put_unit(w, ETMEM_PTE_HOLE, addr, PAGE_SIZE);
			addr += PAGE_SIZE;
		}
	}
	return 0;
}

/* Skipped memory (no upper-level table, special VMAs): nothing is emitted; the next
 * run starts with a SET_HVA. */
static void skip_to(struct walk *w, unsigned long addr)
{
	w->addr = addr;
}

static bool test_clear_young(struct walk *w, unsigned long *entry, bool young)
{
	if (!young || (w->flags & ETMEM_SCAN_NO_CLEAR))
		return young;
	/* as x86's ptep_test_and_clear_young(): atomic against the CPU setting A/D */
	young = test_and_clear_bit(_PAGE_BIT_ACCESSED, entry);
	if (young)
		w->cleared = true;
	return young;
}

/* __pte_offset_map_lock() from inline helpers.  NULL when the PMD no longer points
 * to a PTE table; then the caller looks at the PMD again. */
static pte_t *map_pte_locked(struct mm_struct *mm, pmd_t *pmd, unsigned long addr, spinlock_t **ptlp)
{
	spinlock_t *ptl;
	pmd_t pmdval;
	pte_t *pte;

	for (;;) {
		rcu_read_lock();
		pmdval = pmdp_get_lockless(pmd);
		if (pmd_none(pmdval) || !pmd_present(pmdval) || pmd_trans_huge(pmdval) || pmd_devmap(pmdval) ||
		    pmd_bad(pmdval)) {
			rcu_read_unlock();
			return NULL;
		}
		pte = pte_offset_kernel(&pmdval, addr);
		ptl = pte_lockptr(mm, &pmdval);
		spin_lock(ptl);
		if (likely(pmd_same(pmdval, pmdp_get_lockless(pmd)))) {
			*ptlp = ptl;
			return pte; /* pte_unmap_unlock() drops the lock and the RCU read lock */
		}
		pte_unmap_unlock(pte, ptl);
	}
}

/* One PTE table, [addr, end) within one PMD.  0 done, 1 buffer full, -EAGAIN the
 * table went away (the caller re-reads the PMD). */
static int scan_ptes(struct walk *w, pmd_t *pmd, unsigned long addr, unsigned long end)
{
	spinlock_t *ptl;
	pte_t *start, *pte;
	int ret = 0;

	start = map_pte_locked(w->mm, pmd, addr, &ptl);
	if (!start)
		return -EAGAIN;

	/* A whole table of present, idle pages is one PMD_IDLE_PTES unit. */
	if (IS_ALIGNED(addr, PMD_SIZE) && end - addr == PMD_SIZE) {
		int i;

		for (i = 0; i < PTRS_PER_PTE; i++) {
			pte_t p = ptep_get(start + i);

			if (!pte_present(p) || pte_young(p))
				break;
		}
		if (i == PTRS_PER_PTE) {
			if (room(w, UNIT_ROOM))
				put_unit(w, ETMEM_PMD_IDLE_PTES, addr, PMD_SIZE);
			else
				ret = 1;
			pte_unmap_unlock(start, ptl);
			return ret;
		}
	}

	for (pte = start; addr < end; pte++, addr += PAGE_SIZE) {
		pte_t p;
		unsigned int type;

		/* Check for space before clearing: a cleared bit is always reported. */
		if (!room(w, UNIT_ROOM)) {
			ret = 1;
			break;
		}
		p = ptep_get(pte);
		if (!pte_present(p))
			type = ETMEM_PTE_HOLE;
		else if (test_clear_young(w, (unsigned long *)&pte->pte, pte_young(p)))
			type = (w->flags & ETMEM_SCAN_DIRTY) && pte_dirty(p) ? ETMEM_PTE_DIRTY : ETMEM_PTE_ACCESSED;
		else
			type = ETMEM_PTE_IDLE;
		put_unit(w, type, addr, PAGE_SIZE);
	}
	pte_unmap_unlock(start, ptl);
	return ret;
}

/* A PMD-mapped THP, under its PMD lock.  Fully covered: one PMD unit.  Cut by the
 * scan range: its pages one by one, all with the PMD's bit (cleared only when all of
 * them fit in the buffer, so no cleared bit goes unreported). */
static int scan_huge(struct walk *w, pmd_t *pmd, pmd_t val, unsigned long addr, unsigned long end)
{
	unsigned long n = (end - addr) >> PAGE_SHIFT;
	bool whole = IS_ALIGNED(addr, PMD_SIZE) && end - addr == PMD_SIZE;
	unsigned int type;
	bool young;

	if (!room(w, whole ? UNIT_ROOM : UNIT_ROOM + DIV_ROUND_UP(n, 15)))
		return 1;
	young = test_clear_young(w, (unsigned long *)&pmd->pmd, pmd_young(val));
	if (whole) {
		type = !young ? ETMEM_PMD_IDLE
		       : (w->flags & ETMEM_SCAN_DIRTY) && pmd_dirty(val) ? ETMEM_PMD_DIRTY
									  : ETMEM_PMD_ACCESSED;
		put_unit(w, type, addr, PMD_SIZE);
		return 0;
	}
	type = !young ? ETMEM_PTE_IDLE
	       : (w->flags & ETMEM_SCAN_DIRTY) && pmd_dirty(val) ? ETMEM_PTE_DIRTY
								  : ETMEM_PTE_ACCESSED;
	for (; addr < end; addr += PAGE_SIZE)
		put_unit(w, type, addr, PAGE_SIZE);
	return 0;
}

static int scan_pmds(struct walk *w, pud_t *pud, unsigned long addr, unsigned long end)
{
	pmd_t *pmd = pmd_offset(pud, addr);
	unsigned long next;
	int r;

	do {
		int tries = 0;
		pmd_t val;

		next = pmd_addr_end(addr, end);
again:
		val = pmdp_get_lockless(pmd);
		if (pmd_none(val)) {
			r = (w->flags & ETMEM_SCAN_HUGE_ONLY) ? (skip_to(w, next), 0) : put_holes(w, addr, next);
			if (r)
				return r;
			continue;
		}
		if (pmd_trans_huge(val) || pmd_devmap(val) || !pmd_present(val)) {
			spinlock_t *ptl = pmd_lock(w->mm, pmd);

			val = pmdp_get(pmd);
			if (pmd_trans_huge(val) && pmd_present(val)) {
				r = scan_huge(w, pmd, val, addr, next);
				spin_unlock(ptl);
				if (r)
					return r;
				continue;
			}
			spin_unlock(ptl);
			if (pmd_devmap(val)) {
				skip_to(w, next); /* DAX: not memory we page out */
				continue;
			}
			if (!pmd_none(val) && !pmd_present(val)) {
				/* a THP under migration: not present for now */
				r = (w->flags & ETMEM_SCAN_HUGE_ONLY) ? (skip_to(w, next), 0) : put_holes(w, addr, next);
				if (r)
					return r;
				continue;
			}
			if (++tries < PTE_MAP_RETRIES)
				goto again; /* split or zapped meanwhile */
			skip_to(w, next); /* changing under us all the time: next round */
			continue;
		}
		if ((w->flags & ETMEM_SCAN_HUGE_ONLY) || w->hugetlb) {
			skip_to(w, next); /* a hugetlb VMA has no PTE tables under its PMDs */
			continue;
		}
		r = scan_ptes(w, pmd, addr, next);
		if (r == -EAGAIN) {
			if (++tries < PTE_MAP_RETRIES)
				goto again;
			skip_to(w, next); /* changing under us all the time: next round */
			continue;
		}
		if (r)
			return r;
		cond_resched();
	} while (pmd++, addr = next, addr != end);
	return 0;
}

static int scan_puds(struct walk *w, p4d_t *p4d, unsigned long addr, unsigned long end)
{
	pud_t *pud = pud_offset(p4d, addr);
	unsigned long next;
	int r;

	do {
		pud_t val = pudp_get(pud);

		next = pud_addr_end(addr, end);
		if (pud_none(val) || !pud_present(val)) {
			skip_to(w, next);
			continue;
		}
		if (pud_leaf(val)) {
			/* 1 GiB leaf (DAX; 1 GiB hugetlb VMAs are skipped): present, not scanned */
			if (IS_ALIGNED(addr, PUD_SIZE) && next - addr == PUD_SIZE &&
			    !(w->flags & ETMEM_SCAN_HUGE_ONLY)) {
				if (!room(w, UNIT_ROOM))
					return 1;
				put_unit(w, ETMEM_PUD_PRESENT, addr, PUD_SIZE);
			} else {
				skip_to(w, next);
			}
			continue;
		}
		if (pud_bad(val)) {
			skip_to(w, next);
			continue;
		}
		r = scan_pmds(w, pud, addr, next);
		if (r)
			return r;
	} while (pud++, addr = next, addr != end);
	return 0;
}

static int scan_p4ds(struct walk *w, pgd_t *pgd, unsigned long addr, unsigned long end)
{
	p4d_t *p4d = p4d_offset(pgd, addr);
	unsigned long next;
	int r;

	do {
		p4d_t val = p4dp_get(p4d);

		next = p4d_addr_end(addr, end);
		if (p4d_none(val) || p4d_bad(val)) {
			skip_to(w, next);
			continue;
		}
		r = scan_puds(w, p4d, addr, next);
		if (r)
			return r;
	} while (p4d++, addr = next, addr != end);
	return 0;
}

static int scan_vma_range(struct walk *w, unsigned long addr, unsigned long end)
{
	pgd_t *pgd = pgd_offset(w->mm, addr);
	unsigned long next;
	int r;

	do {
		pgd_t val = pgdp_get(pgd);

		next = pgd_addr_end(addr, end);
		if (pgd_none(val) || pgd_bad(val)) {
			skip_to(w, next);
			continue;
		}
		r = scan_p4ds(w, pgd, addr, next);
		if (r)
			return r;
	} while (pgd++, addr = next, addr != end);
	return 0;
}

/*
 * hugetlb VMAs of 2 MiB pages are walked like THPs: each page is a PMD leaf, looked at
 * under the PMD lock, which is huge_pte_lockptr()'s lock for a PMD-sized hstate.  Not
 * when the VMA may share its PMD tables with other processes (VM_MAYSHARE over a whole
 * aligned 1 GiB, see want_pmd_share()): unsharing frees a table under the hugetlb VMA
 * lock, which a module cannot take.  1 GiB pages and shareable ranges are skipped, so
 * the tracker gives them no verdict (cslide then leaves them where they are).
 */
static bool hugetlb_walkable(struct vm_area_struct *vma)
{
	unsigned long first;

	if (vma_kernel_pagesize(vma) != PMD_SIZE)
		return false;
	if (!(vma->vm_flags & VM_MAYSHARE))
		return true;
	first = ALIGN(vma->vm_start, PUD_SIZE);
	return first < vma->vm_start || first + PUD_SIZE > vma->vm_end;
}

/* VMAs whose pages are not ordinary memory, or are mapped in a way we do not walk. */
static bool vma_skipped(struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		return true;
	return (vma->vm_flags & VM_HUGETLB) && !hugetlb_walkable(vma);
}

/* Walks [w->addr, end) under mmap_read_lock.  0 when done (w->addr == end), 1 when
 * the buffer is full (w->addr is where to resume), or -errno. */
static int scan_range(struct walk *w, unsigned long end)
{
	while (w->addr < end) {
		struct vm_area_struct *vma = find_vma(w->mm, w->addr);
		unsigned long start, vend;
		int r;

		if (!vma || vma->vm_start >= end) {
			skip_to(w, end);
			break;
		}
		start = max(w->addr, vma->vm_start);
		vend = min(vma->vm_end, end);
		if (vma_skipped(vma)) {
			skip_to(w, vend);
			continue;
		}
		skip_to(w, start);
		w->hugetlb = is_vm_hugetlb_page(vma);
		r = scan_vma_range(w, start, vend);
		if (r)
			return r;
		skip_to(w, vend);
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	return 0;
}

/*
 * After a walk that cleared accessed bits, no CPU may keep a TLB entry of the target's
 * with the bit set (x86 sets A only on a TLB fill).  flush_tlb_mm_range() would do
 * exactly that but is not exported, so we do its two steps with what is:
 *   1. the mm's TLB generation bumped, as inc_mm_tlb_gen() does (that inline is hidden
 *      from modules): a CPU that holds the mm in a PCID slot it is not
 *      using now flushes that slot when it switches back (switch_mm_irqs_off() compares
 *      the slot's generation with the mm's); a full barrier before reading mm_cpumask;
 *   2. an IPI to the CPUs of mm_cpumask(mm) only (a superset of those that may run it
 *      now), which flush if they are running the mm at that moment (current->active_mm:
 *      the task's, or the one a lazy-TLB kernel thread borrowed).  __flush_tlb_all() is
 *      the only exported local flush, so such a CPU drops all of its entries.
 * CPUs that never ran the target, and those running something else, keep their TLBs:
 * an unrelated process pays nothing (bench/bench-vm-tlb.c measures it).  flush_all=1
 * restores the old behaviour (every online CPU, whole TLB) for that benchmark's A/B.
 */
static bool flush_all;
module_param(flush_all, bool, 0644);
MODULE_PARM_DESC(flush_all, "flush every online CPU's whole TLB after a walk (default: only CPUs running the target)");

static void flush_this_cpu(void *unused)
{
	__flush_tlb_all();
}

static void flush_if_running(void *info)
{
	if (current->active_mm == info)
		__flush_tlb_all();
}

static void flush_target_tlbs(struct mm_struct *mm)
{
	if (READ_ONCE(flush_all)) {
		on_each_cpu(flush_this_cpu, NULL, 1);
		return;
	}
	atomic64_inc_return(&mm->context.tlb_gen); /* a full barrier, as in inc_mm_tlb_gen() */
	preempt_disable();
	if (cpumask_test_cpu(smp_processor_id(), mm_cpumask(mm)))
		flush_if_running(mm);
	smp_call_function_many(mm_cpumask(mm), flush_if_running, mm, true);
	preempt_enable();
}

static ssize_t scan_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct scan_session *s = file->private_data;
	struct walk w = {};
	unsigned long end;
	ssize_t ret;
	int r;

	if (count < ETMEM_SCAN_MIN_READ)
		return -EINVAL;
	if (mutex_lock_interruptible(&s->lock))
		return -EINTR;
	if (!s->mm) {
		ret = -EINVAL; /* not attached */
		goto out;
	}
	end = s->end ? s->end : TASK_SIZE_MAX;
	if (s->next >= end) {
		ret = 0;
		goto out;
	}
	if (!mmget_not_zero(s->mm)) {
		ret = -ESRCH; /* the process exited (or exec'ed away from this mm) */
		goto out;
	}
	w = (struct walk) {
		.mm = s->mm,
		.flags = s->flags,
		.buf = s->buf,
		.cap = min_t(size_t, count, SCAN_BUF_SIZE),
		.last = -1,
		.need_hva = true,
		.addr = s->next,
	};
	if (mmap_read_lock_killable(s->mm)) {
		mmput(s->mm);
		ret = -EINTR;
		goto out;
	}
	r = scan_range(&w, end);
	mmap_read_unlock(s->mm);
	if (w.cleared)
		flush_target_tlbs(s->mm);
	mmput(s->mm);

	/* What was walked has had its bits cleared: report it even after an error. */
	s->next = w.addr;
	if (r < 0 && w.len == 0) {
		ret = r;
		goto out;
	}
	if (w.len && copy_to_user(ubuf, s->buf, w.len)) {
		ret = -EFAULT;
		goto out;
	}
	ret = w.len;
out:
	mutex_unlock(&s->lock);
	return ret;
}

static struct pid *pidfd_to_pid(struct file *f)
{
	/* pidfs since 6.9: the inode's i_private is the struct pid (see pidfd_pid()). */
	if (file_inode(f)->i_sb->s_magic != PID_FS_MAGIC)
		return ERR_PTR(-EBADF);
	return file_inode(f)->i_private ? file_inode(f)->i_private : ERR_PTR(-EBADF);
}

static long scan_attach(struct scan_session *s, const struct etmem_scan_attach __user *uarg)
{
	struct etmem_scan_attach a;
	struct task_struct *task;
	struct mm_struct *mm;
	struct file *f;
	struct pid *pid;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM; /* the fd may have been handed to a less privileged process */
	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~ALL_FLAGS)
		return -EINVAL;
	if (s->mm)
		return -EBUSY; /* one process per open file */
	f = fget(a.pidfd);
	if (!f)
		return -EBADF;
	pid = pidfd_to_pid(f);
	if (IS_ERR(pid)) {
		fput(f);
		return PTR_ERR(pid);
	}
	task = get_pid_task(pid, PIDTYPE_PID);
	fput(f);
	if (!task)
		return -ESRCH;
	mm = get_task_mm(task); /* NULL for kernel threads and exited tasks */
	put_task_struct(task);
	if (!mm)
		return -ESRCH;
	/* Keep the mm_struct, not the address space: an exited target's memory is freed,
	 * and read() then answers -ESRCH (mmget_not_zero fails). */
	mmgrab(mm);
	mmput(mm);
	s->mm = mm;
	s->flags = a.flags;
	s->start = 0;
	s->end = 0;
	s->next = 0;
	return 0;
}

static long scan_set_range(struct scan_session *s, const struct etmem_scan_range __user *uarg)
{
	struct etmem_scan_range r;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	if (!PAGE_ALIGNED(r.start) || !PAGE_ALIGNED(r.end) || r.start >= TASK_SIZE_MAX ||
	    (r.end && r.end <= r.start))
		return -EINVAL;
	s->start = r.start;
	s->end = r.end;
	s->next = r.start;
	return 0;
}

static long scan_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct scan_session *s = file->private_data;
	void __user *uarg = (void __user *)arg;
	u32 version = ETMEM_SCAN_ABI_VERSION;
	long r;

	if (cmd == ETMEM_SCAN_IOC_VERSION)
		return copy_to_user(uarg, &version, sizeof(version)) ? -EFAULT : 0;
	if (mutex_lock_interruptible(&s->lock))
		return -EINTR;
	switch (cmd) {
	case ETMEM_SCAN_IOC_ATTACH:
		r = scan_attach(s, uarg);
		break;
	case ETMEM_SCAN_IOC_SET_RANGE:
		r = s->mm ? scan_set_range(s, uarg) : -EINVAL;
		break;
	case ETMEM_SCAN_IOC_REWIND:
		if (s->mm)
			s->next = s->start;
		r = s->mm ? 0 : -EINVAL;
		break;
	default:
		r = -ENOTTY;
	}
	mutex_unlock(&s->lock);
	return r;
}

static int scan_open(struct inode *inode, struct file *file)
{
	struct scan_session *s;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->buf = kvmalloc(SCAN_BUF_SIZE, GFP_KERNEL);
	if (!s->buf) {
		kfree(s);
		return -ENOMEM;
	}
	mutex_init(&s->lock);
	file->private_data = s;
	return nonseekable_open(inode, file);
}

static int scan_release(struct inode *inode, struct file *file)
{
	struct scan_session *s = file->private_data;

	if (s->mm)
		mmdrop(s->mm);
	kvfree(s->buf);
	mutex_destroy(&s->lock);
	kfree(s);
	return 0;
}

static const struct file_operations scan_fops = {
	.owner = THIS_MODULE,
	.open = scan_open,
	.release = scan_release,
	.read = scan_read,
	.unlocked_ioctl = scan_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice scan_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "etmem_scan",
	.fops = &scan_fops,
	.mode = 0600,
};

static int __init etmem_scan_init(void)
{
	return misc_register(&scan_dev);
}

static void __exit etmem_scan_exit(void)
{
	misc_deregister(&scan_dev);
}

module_init(etmem_scan_init);
module_exit(etmem_scan_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("etmem: page-table accessed-bit scanner (idle_pages encoding) on /dev/etmem_scan");
