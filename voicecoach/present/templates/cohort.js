document.querySelectorAll('table.sortable').forEach(table=>{
  const heads=Array.from(table.tHead.rows[0].cells);
  heads.forEach((th,i)=>th.querySelector('button').addEventListener('click',()=>{
    const down=th.getAttribute('aria-sort')==='ascending';
    heads.forEach(h=>h.removeAttribute('aria-sort'));
    th.setAttribute('aria-sort',down?'descending':'ascending');
    const body=table.tBodies[0];
    const keyed=Array.from(body.rows,r=>{const c=r.cells[i];const v=c.dataset.v;
      return [v===undefined?c.textContent.trim().toLowerCase():(v===''?null:parseFloat(v)),r];});
    const sign=down?-1:1;
    keyed.sort((a,b)=>{if(a[0]===null)return b[0]===null?0:1;if(b[0]===null)return -1;
      return (typeof a[0]==='number'?a[0]-b[0]:a[0].localeCompare(b[0]))*sign;});
    const frag=document.createDocumentFragment();keyed.forEach(k=>frag.appendChild(k[1]));body.appendChild(frag);
  }));
});
