// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// A list of order-0 pages, owned: disposing (or finalizing) the list frees every page on it
/// with one <c>pa_free_pages_bulk</c> call. Pages are linked through their native descriptors
/// (a native <c>struct pa_list_head</c> that never moves), so building, splitting and appending
/// lists allocates nothing and copies no page.
/// </summary>
/// <remarks>
/// <para>Made by <see cref="PageAllocator.AllocateBulk(int, Gfp, int, NodeMask?)"/>, or empty with
/// <see cref="PageList(PageAllocator)"/>. The list keeps its allocator alive: the native allocator
/// is destroyed only after the allocator and every list, array and block are released.</para>
/// <para>Disposing twice is harmless; any other member used after <c>Dispose</c> throws
/// <see cref="ObjectDisposedException"/>. A list is not thread-safe: use one from one thread at
/// a time (different lists may be used from different threads freely).</para>
/// <para>Indexing walks the list once and caches the pages in an array (rebuilt after a change);
/// enumerating walks the list without allocating.</para>
/// </remarks>
public sealed unsafe class PageList : SafeHandle, IReadOnlyList<Page>
{
    private readonly AllocatorHandle _owner;
    private readonly pa_allocator* _allocator;
    private readonly int _pageSize;
    private int _count;
    private int _version;
    private nint[]? _index;
    private int _indexVersion = -1;

    /// <summary>An empty list for pages of <paramref name="allocator"/>, to fill with
    /// <see cref="PageAllocator.AllocateBulk(PageList, int, Gfp, int, NodeMask?)"/> or
    /// <see cref="Append(PageList)"/>.</summary>
    /// <param name="allocator">The allocator whose pages the list will hold.</param>
    /// <exception cref="ArgumentNullException"><paramref name="allocator"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="allocator"/> is disposed.</exception>
    public PageList(PageAllocator allocator)
        : this(CheckAllocator(allocator).Handle, allocator.Pointer, allocator.PageSize)
    {
    }

    /// <summary>An empty list; takes a list head, with its reference on the allocator, from the
    /// allocator's pool.</summary>
    /// <exception cref="ObjectDisposedException">The native allocator is gone.</exception>
    internal PageList(AllocatorHandle owner, pa_allocator* allocator, int pageSize)
        : this(owner, allocator, pageSize, owner.RentListHead())
    {
    }

    // The head is rented while the constructor chain evaluates its arguments, after the object
    // exists: if renting throws, the object's handle stays invalid and its finalizer does nothing.
    private PageList(AllocatorHandle owner, pa_allocator* allocator, int pageSize, pa_list_head* head)
        : base(0, ownsHandle: true)
    {
        _owner = owner;
        _allocator = allocator;
        _pageSize = pageSize;
        SetHandle((nint)head);
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>The number of pages on the list.</summary>
    public int Count
    {
        get
        {
            ThrowIfDisposed();
            return _count;
        }
    }

    /// <summary>Whether the list holds no page.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>The native list head, for calls into the generated layer.</summary>
    internal pa_list_head* Head
    {
        get
        {
            ThrowIfDisposed();
            return (pa_list_head*)handle;
        }
    }

    /// <summary>The native list head, unchecked: for a list just made.</summary>
    internal pa_list_head* UncheckedHead => (pa_list_head*)handle;

    internal pa_allocator* Allocator => _allocator;

    /// <summary>The page at <paramref name="index"/>, counted from the head.</summary>
    /// <param name="index">0 to <see cref="Count"/> - 1.</param>
    /// <remarks>The first access after a change walks the list and caches the result.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public Page this[int index]
    {
        get
        {
            ThrowIfDisposed();
            CheckIndex(index);
            return new Page(_allocator, PageAt(index), _pageSize, _owner.Layout);
        }
    }

    /// <summary>Moves the page at <paramref name="index"/> out of the list into a
    /// <see cref="PageBlock"/> of order 0, which then owns it.</summary>
    /// <param name="index">0 to <see cref="Count"/> - 1.</param>
    /// <returns>The block owning the page.</returns>
    /// <remarks>Calls <c>pa_list_del</c>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public PageBlock Detach(int index)
    {
        ThrowIfDisposed();
        CheckIndex(index);
        pa_page* page = PageAt(index);
        var block = new PageBlock(_owner, _allocator, page, 0, _pageSize);
        Methods.pa_list_del(page);
        _count--;
        _version++;
        return block;
    }

    /// <summary>Splits the list: the pages from <paramref name="index"/> on move, in order, to a new
    /// list; this list keeps the first <paramref name="index"/> pages. No page is copied: the
    /// links are cut (walking to <paramref name="index"/>, from whichever end is nearer).</summary>
    /// <param name="index">0 (everything moves) to <see cref="Count"/> (nothing moves).</param>
    /// <returns>A new list owning the moved pages.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public PageList Split(int index)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, _count);
        var tail = new PageList(_owner, _allocator, _pageSize);
        int moved = _count - index;
        if (moved > 0)
        {
            var head = (pa_list_head*)handle;
            var tailHead = (pa_list_head*)tail.handle;
            pa_list_head* first;
            if (index <= _count / 2)
            {
                first = head->next;
                for (int i = 0; i < index; i++)
                {
                    first = first->next;
                }
            }
            else
            {
                first = head->prev;
                for (int i = _count - 1; i > index; i--)
                {
                    first = first->prev;
                }
            }

            pa_list_head* last = head->prev;
            pa_list_head* keptLast = first->prev;
            keptLast->next = head;
            head->prev = keptLast;
            tailHead->next = first;
            first->prev = tailHead;
            tailHead->prev = last;
            last->next = tailHead;
        }

        tail._count = moved;
        _count = index;
        _version++;
        return tail;
    }

    /// <summary>Moves every page of <paramref name="other"/> to the end of this list, in O(1);
    /// <paramref name="other"/> is left empty (and still needs disposing).</summary>
    /// <param name="other">A list of the same allocator.</param>
    /// <remarks>Calls <c>pa_list_splice_tail</c>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="other"/> is this list or belongs to another allocator.</exception>
    /// <exception cref="ObjectDisposedException">Either list is disposed.</exception>
    public void Append(PageList other)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(other, this))
        {
            throw new ArgumentException("A list cannot be appended to itself.", nameof(other));
        }

        other.ThrowIfDisposed();
        if (other._allocator != _allocator)
        {
            throw new ArgumentException("The list belongs to another allocator.", nameof(other));
        }

        if (other._count == 0)
        {
            return;
        }

        Methods.pa_list_splice_tail((pa_list_head*)other.handle, (pa_list_head*)handle);
        _count += other._count;
        other._count = 0;
        _version++;
        other._version++;
    }

    /// <summary>Frees every page on the list now; the list stays usable, empty.</summary>
    /// <remarks>Calls <c>pa_free_pages_bulk</c>.</remarks>
    public void Clear()
    {
        ThrowIfDisposed();
        if (_count > 0)
        {
            Methods.pa_free_pages_bulk(_allocator, (pa_list_head*)handle);
            _count = 0;
            _version++;
        }
    }

    /// <summary>An enumerator over the pages from the head, allocation-free.</summary>
    /// <returns>The enumerator; the list must not change while it runs.</returns>
    public Enumerator GetEnumerator()
    {
        ThrowIfDisposed();
        return new Enumerator(this);
    }

    IEnumerator<Page> IEnumerable<Page>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Records pages a native call appended to the list.</summary>
    internal void OnAppended(int added)
    {
        if (added > 0)
        {
            _count += added;
            _version++;
        }
    }

    /// <summary>Counts a release by the finalizer for the leak gate; changes the version, so that
    /// a running enumerator notices.</summary>
    /// <param name="disposing">False on the finalizer thread.</param>
    protected override void Dispose(bool disposing)
    {
        if (!disposing && !IsInvalid)
        {
            OwnerDiagnostics.OwnerFinalized();
        }

        _version++;
        base.Dispose(disposing);
    }

    /// <summary>Frees every page on the list in one bulk call, then gives the list head, with its
    /// reference on the allocator, back to the allocator's pool.</summary>
    /// <remarks>Calls <c>pa_free_pages_bulk</c>.</remarks>
    protected override bool ReleaseHandle()
    {
        var head = (pa_list_head*)handle;
        if (head->next != head)
        {
            Methods.pa_free_pages_bulk(_allocator, head);
        }

        _owner.ReturnListHead(head);
        return true;
    }

    private static PageAllocator CheckAllocator(PageAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        allocator.ThrowIfDisposed();
        return allocator;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsClosed, this);

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The list holds {_count} pages.");
        }
    }

    private pa_page* PageAt(int index)
    {
        if (index == 0)
        {
            return First((pa_list_head*)handle);
        }

        if (_indexVersion != _version || _index is null)
        {
            BuildIndex();
        }

        return (pa_page*)_index![index];
    }

    /// <summary><c>pa_list_first</c>, inline: a descriptor begins with its list link, as the
    /// layout version says (the header's <c>pa_layout_list_first</c>).</summary>
    private static pa_page* First(pa_list_head* head) => head->next == head ? null : (pa_page*)head->next;

    /// <summary><c>pa_list_next</c>, inline (the header's <c>pa_layout_list_next</c>).</summary>
    private static pa_page* Next(pa_list_head* head, pa_page* page)
    {
        pa_list_head* next = ((pa_list_head*)page)->next;
        return next == head ? null : (pa_page*)next;
    }

    private void BuildIndex()
    {
        if (_index is null || _index.Length < _count)
        {
            _index = new nint[_count];
        }

        var head = (pa_list_head*)handle;
        int i = 0;
        for (pa_page* page = First(head); page != null && i < _count; page = Next(head, page))
        {
            _index[i++] = (nint)page;
        }

        if (i != _count)
        {
            throw new InvalidOperationException($"The native list holds {i} pages, the PageList counted {_count}.");
        }

        _indexVersion = _version;
    }

    /// <summary>Walks a <see cref="PageList"/> from its head through the pages' list links, with no
    /// native call: each step fetches the page after the one it returns.</summary>
    public struct Enumerator : IEnumerator<Page>
    {
        private readonly PageList _list;
        private readonly pa_allocator* _allocator;
        private readonly int _pageSize;
        private readonly PageLayout* _layout;
        private readonly int _version;
        private pa_page* _current;
        private pa_page* _next;

        internal Enumerator(PageList list)
        {
            _list = list;
            _allocator = list._allocator;
            _pageSize = list._pageSize;
            _layout = list._owner.Layout;
            _version = list._version;
            _current = null;
            _next = First((pa_list_head*)list.handle);
        }

        /// <summary>The current page.</summary>
        public readonly Page Current => new(_allocator, _current, _pageSize, _layout);

        readonly object IEnumerator.Current => Current;

        /// <summary>Moves to the next page.</summary>
        /// <returns>False at the end.</returns>
        /// <exception cref="InvalidOperationException">The list changed.</exception>
        /// <exception cref="ObjectDisposedException">The list was disposed.</exception>
        public bool MoveNext()
        {
            // Dispose changes the version too: one check covers both.
            if (_version != _list._version)
            {
                ThrowChanged(_list);
            }

            pa_page* page = _next;
            if (page == null)
            {
                _current = null;
                return false;
            }

            _current = page;
            _next = Next((pa_list_head*)_list.handle, page);
            return true;
        }

        /// <summary>Back to before the first page.</summary>
        /// <exception cref="InvalidOperationException">The list changed.</exception>
        /// <exception cref="ObjectDisposedException">The list was disposed.</exception>
        public void Reset()
        {
            if (_version != _list._version)
            {
                ThrowChanged(_list);
            }

            _current = null;
            _next = First((pa_list_head*)_list.handle);
        }

        /// <summary>Nothing to release.</summary>
        public readonly void Dispose()
        {
        }

        [DoesNotReturn]
        private static void ThrowChanged(PageList list)
        {
            ObjectDisposedException.ThrowIf(list.IsClosed, list);
            throw new InvalidOperationException("The list changed during enumeration.");
        }
    }
}
